import { existsSync } from "node:fs";
import { parseStreamPath, type StoredEvent } from "@tributary/protocol";
import { bundleProcessor } from "./bundle-processor.ts";
import { CliError } from "./cli-error.ts";
import { asCliError, clientFlags, clientFlagsHelp, clientFromFlags } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { loadProcessor } from "./load-processor.ts";
import { intFlag, parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary deploy <file.ts> --path <stream> [options]

Bundles a processor file and its npm dependencies into one module, appends it to the stream as
processor/deployed, and waits until the server reports it running (processor/started) or failing. The
server then runs it in its sandbox: no process of yours needs to keep running, and it comes back after a
server restart. Deploying the same slug again replaces it; remove it with
  tributary append <stream> '{"type":"processor/removed","payload":{"slug":"<slug>"}}'.

Options:
  --path <stream>     the stream to run it on (it may append there and below)
  --slug <slug>       the deployment's name on the stream (default: the processor's slug)
  --export <name>     the export to deploy, when the file has several processors
  --timeout <s>       how long to wait for it to start (default 60)
${clientFlagsHelp}
  -h, --help          show this help

Example:
  tributary deploy examples/ping-pong/ping-pong.ts --path /me/pp`;

export const deployCommand: Command = {
  summary: "bundle a processor file and run it on the server (hosted, sandboxed)",
  async run(argv) {
    const { values, positionals } = parseFlags("deploy", argv, {
      ...clientFlags,
      path: { type: "string" },
      slug: { type: "string" },
      export: { type: "string" },
      timeout: { type: "string" },
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 1)
      throw new CliError(`deploy takes one processor file, e.g. tributary deploy ping-pong.ts --path /me/pp. See 'tributary deploy --help'.`);
    if (values.path === undefined) throw new CliError(`--path is required: the stream to run on, e.g. --path /me/pp. See 'tributary deploy --help'.`);
    let path: string;
    try {
      path = parseStreamPath(values.path);
    } catch (error) {
      throw new CliError(`--path: ${(error as Error).message}`);
    }
    const timeoutSeconds = intFlag("timeout", values.timeout, 60, 1, 3600);
    const file = positionals[0]!;
    if (!existsSync(file)) throw new CliError(`${file} does not exist.`);
    const { processor, exportName } = await loadProcessor(file, values.export);
    let script = await bundleProcessor(file);
    // The sandbox takes the default export, else `processor`, else the only processor export.
    if (values.export !== undefined && exportName !== "default") script += `\nexport { ${exportName} as default };\n`;
    const slug = values.slug ?? processor.slug;
    const client = clientFromFlags(values);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutSeconds * 1000);
    try {
      const deployed = await client.append({ path, event: { type: "processor/deployed", payload: { slug, script } } });
      console.error(
        `tributary deploy: deployed ${slug} (${Math.round(script.length / 1024)} KiB) at ${path} offset ${deployed.offset}; waiting for it to start…`,
      );
      const outcome = await waitForOutcome(client.stream({ path, live: true, afterOffset: deployed.offset, signal: controller.signal }), slug, deployed.offset);
      if (outcome.type === "processor/started") {
        console.log(`${slug} is running on ${path}.`);
        return 0;
      }
      console.error(`tributary deploy: ${slug} failed: ${String(outcome.payload.message ?? outcome.payload.reason)}`);
      return 1;
    } catch (error) {
      if (controller.signal.aborted)
        throw new CliError(`${slug} did not start within ${timeoutSeconds} s; read ${path} for what happened (tributary tail ${path}).`, 1);
      throw asCliError(client, error);
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  },
};

/** The first event that says how the deployment went: it started, it failed to load, or it was suspended. */
async function waitForOutcome(events: AsyncIterable<StoredEvent>, slug: string, deployedOffset: number): Promise<StoredEvent> {
  for await (const event of events) {
    if (event.type === "processor/started" && event.payload.slug === slug && event.payload.deployedOffset === deployedOffset) return event;
    if (event.type === "processor/suspended" && event.payload.slug === slug) return event;
    if (event.type === "stream/error-occurred" && event.payload.processor === slug && event.payload.kind === "load") return event;
  }
  throw new Error("the stream ended");
}
