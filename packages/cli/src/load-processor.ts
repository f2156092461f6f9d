import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Processor } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";

/**
 * True for an object with the processor shape: a string `slug` and an `initialState`, a `reduce`, an
 * `afterAppend` or an `onCaughtUp` (the workshop's ping-pong has only `slug` and `afterAppend`).
 */
export function looksLikeProcessor(value: unknown): value is Processor<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.slug !== "string") return false;
  return "initialState" in candidate || ["reduce", "afterAppend", "onCaughtUp"].some((key) => typeof candidate[key] === "function");
}

/**
 * Imports a processor file (TypeScript runs directly: Node strips the types) and picks its processor:
 * the export named by `exportName`; else `default`; else `processor`; else the only export that looks
 * like a processor. Anything else is a CliError that says what to export.
 *
 * @example
 * const { processor, exportName } = await loadProcessor("examples/ping-pong/ping-pong.ts");
 */
export async function loadProcessor(file: string, exportName?: string): Promise<{ processor: Processor<unknown>; exportName: string }> {
  return pickProcessor(file, await importFile(file), exportName);
}

/** A workshop script: its default export is a function or an oRPC procedure (`os.handler(async () => …)`). */
export type WorkshopScript = (pathPrefix: string, signal: AbortSignal) => Promise<unknown>;

/**
 * Like `loadProcessor`, but a file without a processor whose default export is a function (called with the
 * path prefix, as the workshop's `run` command does) or an oRPC procedure (its handler is called with
 * `{ input: { pathPrefix } }`) is returned as a script to run instead.
 *
 * @example
 * const loaded = await loadRunnable("01-single-path-script.ts");
 * if (loaded.kind === "script") await loaded.script("/jonas", signal);
 */
export async function loadRunnable(
  file: string,
  exportName?: string,
): Promise<({ kind: "processor" } & Awaited<ReturnType<typeof loadProcessor>>) | { kind: "script"; script: WorkshopScript }> {
  const module = await importFile(file);
  const script = exportName === undefined && !Object.values(module).some(looksLikeProcessor) ? scriptOf(module.default) : undefined;
  if (script) return { kind: "script", script };
  return { kind: "processor", ...pickProcessor(file, module, exportName) };
}

function scriptOf(value: unknown): WorkshopScript | undefined {
  if (typeof value === "function") return async (pathPrefix) => (value as (prefix: string) => unknown)(pathPrefix);
  // An oRPC procedure keeps its handler at ["~orpc"].handler; without middlewares, calling it is the call.
  const handler = (value as { "~orpc"?: { handler?: unknown } } | null | undefined)?.["~orpc"]?.handler;
  if (typeof handler === "function") {
    return async (pathPrefix, signal) =>
      handler({ input: { pathPrefix }, context: {}, path: [], procedure: value, signal, lastEventId: undefined, errors: {} });
  }
  return undefined;
}

async function importFile(file: string): Promise<Record<string, unknown>> {
  const absolute = resolve(file);
  if (!existsSync(absolute)) throw new CliError(`${file} does not exist.`);
  try {
    return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = (error as Error).message;
    if (code === "ERR_MODULE_NOT_FOUND" && /'tributary(\/[a-z]+)?'/.test(message)) {
      throw new CliError(`${file} imports 'tributary', which is not installed where the file is; run 'npm install tributary' in its project.`, 1);
    }
    if (code === "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX") {
      throw new CliError(`${file} uses TypeScript that Node cannot strip (enums, namespaces, parameter properties): ${message}`, 1);
    }
    throw new CliError(`could not load ${file}: ${message}`, 1);
  }
}

function pickProcessor(file: string, module: Record<string, unknown>, exportName: string | undefined): { processor: Processor<unknown>; exportName: string } {
  const names = Object.keys(module);
  if (exportName !== undefined) {
    if (!(exportName in module)) throw new CliError(`${file} has no export named '${exportName}'; it exports: ${names.join(", ") || "nothing"}.`);
    if (!looksLikeProcessor(module[exportName]))
      throw new CliError(
        `${file}'s export '${exportName}' is not a processor (an object with a slug and an initialState, reduce or afterAppend; use defineProcessor).`,
      );
    return { processor: module[exportName], exportName };
  }
  for (const preferred of ["default", "processor"]) {
    if (looksLikeProcessor(module[preferred])) return { processor: module[preferred], exportName: preferred };
  }
  const candidates = names.filter((name) => looksLikeProcessor(module[name]));
  if (candidates.length === 1) return { processor: module[candidates[0]!] as Processor<unknown>, exportName: candidates[0]! };
  if (candidates.length > 1) {
    throw new CliError(`${file} exports several processors (${candidates.join(", ")}); choose one with --export <name>.`);
  }
  throw new CliError(
    `${file} has no processor export. Export one, e.g. 'export default defineProcessor(() => ({ slug, initialState?, reduce?, afterAppend }))' or 'export const processor = …'. It exports: ${names.join(", ") || "nothing"}.`,
  );
}
