import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { readSession, transcriptEvents, type SessionFormat } from "@tributary/agent";
import { CliError } from "./cli-error.ts";
import { clientFlags, clientFlagsHelp, clientFromFlags, talkingToServer } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary import <file> --to <path> [options]

Imports another harness's session file into a new stream as Tributary agent events, so it can be read in
the UI, forked and continued by 'tributary agent'. The mapping is in docs/agent.md ("Importing a session").

Formats (recognised from the file; --format to say which):
  claude-code   ~/.claude/projects/<project>/<session>.jsonl
  pi            ~/.pi/agent/sessions/--<cwd>--/<time>_<uuid>.jsonl (the current branch)

Options:
  --to <path>         the stream to create; it must not have events yet
  --format <name>     claude-code or pi
${clientFlagsHelp}
  -h, --help          show this help

Example:
  tributary import ~/.claude/projects/-home-me-app/4f1c.jsonl --to /me/imported`;

/** Events per append: each batch is atomic, and its first event's offset is a precondition. */
const batchSize = 500;

export const importCommand: Command = {
  summary: "import a Claude Code or pi session file into a stream as agent events",
  async run(argv) {
    const { values, positionals } = parseFlags("import", argv, { ...clientFlags, to: { type: "string" }, format: { type: "string" } });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 1 || !values.to)
      throw new CliError("import takes a session file and --to <path>, e.g. tributary import session.jsonl --to /me/imported. See 'tributary import --help'.");
    if (values.format !== undefined && values.format !== "claude-code" && values.format !== "pi")
      throw new CliError(`--format must be claude-code or pi; got '${values.format}'.`);
    const file = positionals[0]!;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
    }
    let events;
    try {
      const transcript = readSession(text, values.format as SessionFormat | undefined);
      events = transcriptEvents(transcript, { file: basename(file) });
    } catch (error) {
      throw new CliError(`${file}: ${(error as Error).message}`);
    }
    const client = clientFromFlags(values);
    const to = values.to;
    await talkingToServer(client, async () => {
      for (let start = 0; start < events.length; start += batchSize) {
        await client.appendBatch({ path: to, events: events.slice(start, start + batchSize) });
        if (events.length > batchSize) process.stderr.write(`\rimported ${Math.min(events.length, start + batchSize)} of ${events.length} events`);
      }
    }).catch((error: unknown) => {
      if (error instanceof CliError && error.message.includes("offset_conflict"))
        throw new CliError(`${to} already has events; import into a new stream (pick another --to).`);
      throw error;
    });
    if (events.length > batchSize) process.stderr.write("\n");
    const steps = events.filter((event) => event.type === "agent-input-added").length;
    console.log(`imported ${file} into ${to}: ${events.length} events, ${steps} input${steps === 1 ? "" : "s"}`);
    return 0;
  },
};
