import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { compilePathPattern, PatternProcessorRuntime, PullProcessorRuntime, type EventsClient, type RuntimeLogLevel } from "@tributary/sdk";
import { parseStreamPath } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { asCliError, clientFlags, clientFlagsHelp, clientFromFlags } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { loadProcessor, loadRunnable, type WorkshopScript } from "./load-processor.ts";
import { parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary run <file.ts> --path <path> [options]
       tributary run <script.ts> [--path-prefix /you]

Runs a processor file (TypeScript runs directly) on a stream, reading it from the server. On start it
reduces the history without side effects, calls onCaughtUp, then runs afterAppend for each new event.
SIGTERM or SIGINT (Ctrl-C) stops it cleanly: running side effects are aborted and waited for, then the
processor's onStop runs on each stream (an agent tool withdraws itself there) before it exits.
The processor is the file's default export, else its 'processor' export, else its only processor export.

A file without a processor whose default export is a function or an oRPC procedure (the workshop's
scripts: export default os.handler(async () => …)) is run as a script: called with the path prefix, with
PATH_PREFIX set to it (default: PATH_PREFIX, else /<user name>) and BASE_URL to the server.

Options:
  --path <path>       the stream to run on; with * (one segment) or ** (any) a pattern, e.g. '/jonas/*/agent'
  --children          also run on every descendant of --path, including ones created later
  --consumer <name>   keep progress on the server under this name: after a restart, afterAppend runs for
                      the events that arrived while it was stopped (at-least-once)
  --start-from <when> a consumer's first run: now (default; history is not acted on) or beginning
  --export <name>     the export to run, when the file has several processors
  --log-level <lvl>   debug, info (default), warn, error or silent
  --path-prefix <p>   a script's path prefix (PATH_PREFIX)
${clientFlagsHelp}
  -h, --help          show this help

Example:
  tributary run examples/ping-pong/ping-pong.ts --path /jonas --children`;

export const runCommand: Command = {
  summary: "run a processor file (TypeScript) on a stream or a subtree",
  async run(argv) {
    const { values, positionals } = parseFlags("run", argv, {
      ...clientFlags,
      path: { type: "string" },
      children: { type: "boolean" },
      consumer: { type: "string" },
      "start-from": { type: "string" },
      export: { type: "string" },
      "log-level": { type: "string" },
      "path-prefix": { type: "string" },
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 1)
      throw new CliError(`run takes one processor file, e.g. tributary run ping-pong.ts --path /jonas. See 'tributary run --help'.`);
    if (values.path === undefined) {
      const loaded = existsSync(positionals[0]!) ? await loadRunnable(positionals[0]!, values.export) : undefined;
      if (loaded?.kind === "script") return runScript(loaded.script, values);
    } else if (values["path-prefix"] !== undefined) {
      throw new CliError(`--path-prefix is for scripts (files without a processor); a processor runs on --path.`);
    }
    if (values.path === undefined) throw new CliError(`--path is required: the stream to run on, e.g. --path /jonas. See 'tributary run --help'.`);
    const startFrom = (values["start-from"] ?? "now") as "now" | "beginning";
    if (startFrom !== "now" && startFrom !== "beginning") throw new CliError(`--start-from must be now or beginning; got '${startFrom}'.`);
    if (values["start-from"] !== undefined && values.consumer === undefined) throw new CliError(`--start-from only applies with --consumer.`);
    const logLevel = (values["log-level"] ?? "info") as RuntimeLogLevel;
    if (!["debug", "info", "warn", "error", "silent"].includes(logLevel))
      throw new CliError(`--log-level must be debug, info, warn, error or silent; got '${logLevel}'.`);
    const isPattern = values.path.includes("*");
    try {
      if (isPattern) compilePathPattern(values.path);
      else parseStreamPath(values.path);
    } catch (error) {
      throw new CliError(`--path: ${(error as Error).message}`);
    }
    if (isPattern && values.children) throw new CliError(`--children does not combine with a pattern; use ** in the pattern instead (e.g. '/jonas/**').`);
    const client = clientFromFlags(values);
    const { processor, exportName } = await loadProcessor(positionals[0]!, values.export);

    const common = {
      processor,
      client,
      logLevel,
      ...(values.consumer !== undefined ? { consumer: values.consumer, startFrom } : {}),
    } as const;
    const runtime = isPattern
      ? new PatternProcessorRuntime({ ...common, pattern: values.path })
      : new PullProcessorRuntime({ ...common, path: values.path, includeChildren: values.children ?? false });
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      console.error(`tributary run: stopping ${processor.slug}…`);
      void runtime.stop();
    };
    return untilDone(client, stop, async () => {
      await runtime.start();
      const where = isPattern ? `streams matching ${values.path}` : `${values.path}${values.children ? " and its descendants" : ""}`;
      const durable = values.consumer ? ` as consumer '${values.consumer}'` : "";
      console.error(`tributary run: ${processor.slug} (export '${exportName}') is running on ${where}${durable}; Ctrl-C stops it.`);
      await runtime.run();
    });
  },
};

/** Runs `work` with `stop` as the SIGINT/SIGTERM handler; the server's errors become one-line CLI errors. */
async function untilDone(client: EventsClient, stop: () => void, work: () => Promise<void>): Promise<number> {
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await work();
  } catch (error) {
    throw asCliError(client, error);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  return 0;
}

/**
 * Runs a workshop script (see the help): PATH_PREFIX and BASE_URL are set for the code that reads them,
 * Ctrl-C aborts the signal it gets and exits.
 */
async function runScript(
  script: WorkshopScript,
  values: { url?: string | undefined; project?: string | undefined; "path-prefix"?: string | undefined },
): Promise<number> {
  const client = clientFromFlags(values);
  const given = values["path-prefix"] ?? process.env.PATH_PREFIX ?? `/${userInfo().username}`;
  const pathPrefix = given.startsWith("/") ? given : `/${given}`;
  try {
    parseStreamPath(pathPrefix);
  } catch (error) {
    throw new CliError(`--path-prefix: ${(error as Error).message}`);
  }
  process.env.PATH_PREFIX = pathPrefix;
  if (values.url !== undefined || !process.env.BASE_URL) process.env.BASE_URL = client.baseUrl;
  if (values.project !== undefined) process.env.PROJECT_SLUG = values.project;
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
    process.exit(130);
  };
  return untilDone(client, stop, async () => {
    await script(pathPrefix, controller.signal);
  });
}
