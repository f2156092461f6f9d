import { readFileSync } from "node:fs";
import type { EventInput } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { clientFlags, clientFlagsHelp, clientFromFlags, talkingToServer } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary append <path> <json> [options]

Appends an event to a stream (creating it) and prints the event as stored.
<json> is the event, e.g. '{"type":"hello-world","payload":{"name":"Jonas"}}', or {"events":[...]}
for several appended atomically; '-' reads it from standard input. Invalid events are refused.

Options:
${clientFlagsHelp}
  -h, --help          show this help

Example:
  tributary append /jonas/hello '{"type":"hello-world"}'`;

export const appendCommand: Command = {
  summary: "append an event to a stream and print it as stored",
  async run(argv) {
    const { values, positionals } = parseFlags("append", argv, clientFlags);
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 2) {
      throw new CliError(`append takes a path and a JSON event, e.g. tributary append /jonas/hello '{"type":"hello-world"}'. See 'tributary append --help'.`);
    }
    const [path, raw] = positionals as [string, string];
    const text = raw === "-" ? readFileSync(0, "utf8") : raw;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new CliError(`the event is not valid JSON (${(error as Error).message}); quote it for your shell, e.g. '{"type":"hello-world"}'.`);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new CliError(`the event must be a JSON object with a "type", e.g. '{"type":"hello-world"}'.`);
    }
    const client = clientFromFlags(values);
    const record = body as Record<string, unknown>;
    const stored: unknown = await talkingToServer(client, async () =>
      Array.isArray(record.events) && !("type" in record)
        ? await client.appendBatch({ path, events: record.events as EventInput[] })
        : await client.append({ path, event: ("event" in record && !("type" in record) ? record.event : record) as EventInput }),
    );
    console.log(JSON.stringify(stored, null, 2));
    return 0;
  },
};
