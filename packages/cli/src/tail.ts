import { parseOffsetCursor, type OffsetCursor } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { asCliError, clientFlags, clientFlagsHelp, clientFromFlags } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { formatEvent, useColor } from "./format-event.ts";
import { parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary tail <path> [options]

Prints a stream's events: one readable line each (offset, time, type, payload), or JSON.

Options:
  --live              keep running and print new events as they are appended (Ctrl-C stops)
  --json              print each event as one line of JSON (for jq and scripts)
  --after <offset>    start after this offset (a number, start or end; default start)
${clientFlagsHelp}
  -h, --help          show this help

Example:
  tributary tail /jonas/hello --live`;

export const tailCommand: Command = {
  summary: "print a stream's events (--live keeps following)",
  async run(argv) {
    const { values, positionals } = parseFlags("tail", argv, {
      ...clientFlags,
      live: { type: "boolean" },
      json: { type: "boolean" },
      after: { type: "string" },
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError(`tail takes one stream path, e.g. tributary tail /jonas/hello. See 'tributary tail --help'.`);
    let afterOffset: OffsetCursor | undefined;
    try {
      afterOffset = parseOffsetCursor("--after", values.after);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const client = clientFromFlags(values);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const color = useColor(process.stdout);
    let count = 0;
    try {
      const events = client.stream({
        path: positionals[0]!,
        live: values.live ?? false,
        signal: controller.signal,
        ...(afterOffset !== undefined ? { afterOffset } : {}),
        onReconnect: ({ attempt }) => console.error(`tributary tail: connection lost; reconnecting (attempt ${attempt})…`),
      });
      for await (const event of events) {
        count += 1;
        process.stdout.write(`${values.json ? JSON.stringify(event) : formatEvent(event, { color })}\n`);
      }
    } catch (error) {
      throw asCliError(client, error);
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
    if (count === 0 && !values.live && !values.json) console.error(`(no events in ${positionals[0]})`);
    return 0;
  },
};
