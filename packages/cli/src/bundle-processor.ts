import { build, type Plugin } from "esbuild";
import { CliError } from "./cli-error.ts";

/** The SDK's exports a hosted processor may use as they are: pure code, bundled in. */
const pure: Record<string, string> = {
  defineEventType: "@tributary/sdk/processor/event-type",
  matchEvent: "@tributary/sdk/processor/event-type",
};

/**
 * The module that stands in for 'tributary' and '@tributary/sdk' in a bundle: `defineProcessor` and the
 * event-type helpers work; the runtimes and the HTTP client (which need a process and a network) throw
 * a clear error if a hosted processor calls them. Top-level code that starts a runtime only when run
 * directly (`if (import.meta.main)`) is dropped, since `import.meta.main` is false in a bundle.
 */
async function sdkShim(): Promise<string> {
  const sdk = (await import("@tributary/sdk")) as Record<string, unknown>;
  const eventType = new URL(import.meta.resolve("@tributary/sdk")).pathname.replace(/index\.(ts|js)$/, "processor/event-type.$1");
  const lines = [
    "export function defineProcessor(factory) { return factory(); }",
    `export { defineEventType, matchEvent } from ${JSON.stringify(eventType)};`,
    "const unavailable = (name) => function () { throw new Error(name + ' is not available in a hosted processor: it runs inside the server, which handles events, appends and reads for it'); };",
  ];
  for (const name of Object.keys(sdk)) {
    if (name === "defineProcessor" || name in pure || name === "default") continue;
    lines.push(`export const ${name} = unavailable(${JSON.stringify(name)});`);
  }
  return lines.join("\n");
}

function shimPlugin(shim: string): Plugin {
  return {
    name: "tributary-sdk-shim",
    setup(build) {
      // Side-effect free, so a processor that uses only defineProcessor does not carry the schema library.
      build.onResolve({ filter: /^(tributary|@tributary\/sdk)$/ }, () => ({ path: "tributary-sdk-shim", namespace: "tributary-shim", sideEffects: false }));
      build.onResolve({ filter: /processor\/event-type\.(ts|js)$/ }, (args) =>
        args.namespace === "tributary-shim" ? { path: args.path, sideEffects: false } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "tributary-shim" }, () => ({ contents: shim, loader: "js", resolveDir: process.cwd() }));
      build.onResolve({ filter: /^node:/ }, (args) => ({
        errors: [{ text: `'${args.path}' is not available to a hosted processor: it has no file system, process or network (use fetch)` }],
      }));
    },
  };
}

/**
 * Bundles a processor file and its npm dependencies into one ES module for `processor/deployed`, with
 * esbuild for a browser-like platform (no Node built-ins), the SDK's runtime-only imports shimmed.
 *
 * @example
 * const script = await bundleProcessor("examples/ping-pong/ping-pong.ts");
 */
export async function bundleProcessor(file: string): Promise<string> {
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2023",
      define: { "import.meta.main": "false" },
      // In this repository the packages resolve to their sources (see packages/tributary/bin/tributary.js).
      conditions: /--conditions=tributary-source/.test(process.env.NODE_OPTIONS ?? "") ? ["tributary-source"] : [],
      plugins: [shimPlugin(await sdkShim())],
      logLevel: "silent",
      legalComments: "none",
    });
    return result.outputFiles[0]!.text;
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    if (errors?.length) {
      throw new CliError(
        `could not bundle ${file}: ${errors.map((entry) => (entry.location ? `${entry.location.file}:${entry.location.line}: ` : "") + entry.text).join("; ")}`,
        1,
      );
    }
    throw new CliError(`could not bundle ${file}: ${(error as Error).message}`, 1);
  }
}
