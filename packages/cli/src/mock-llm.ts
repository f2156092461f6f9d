import { readFile } from "node:fs/promises";
import type { MockLlm } from "@tributary/agent/mock-llm";
import { CliError } from "./cli-error.ts";
import type { Command } from "./command.ts";
import { intFlag, parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary mock-llm [options]

Starts a scripted, OpenAI-compatible model server: POST /v1/chat/completions and POST /v1/responses
(streamed or not), GET /v1/models. Without --script it echoes the last user message.

Options:
  --port <n>          port to listen on (default 4010; 0 picks a free one)
  --host <addr>       address to bind (default 127.0.0.1)
  --script <file>     a JSON or YAML script of turns (see docs/agent.md)
  --models <a,b>      model ids listed by GET /v1/models (default mock-model)
  --quiet             do not print a line per request
  -h, --help          show this help

Control routes: PUT /mock/script (a new script), GET /mock/requests, DELETE /mock/requests.
Point an agent at it:  OPENAI_BASE_URL=<url>/v1 OPENAI_API_KEY=mock tributary agent /me/agent`;

export const mockLlmCommand: Command = {
  summary: "start a scripted OpenAI-compatible model server (tests, demos, evals)",
  async run(argv) {
    const { values } = parseFlags(
      "mock-llm",
      argv,
      {
        port: { type: "string" },
        host: { type: "string" },
        script: { type: "string" },
        models: { type: "string" },
        quiet: { type: "boolean" },
      },
      false,
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    const port = intFlag("port", values.port, 4010, 0, 65535);
    const { parseMockScript, startMockLlm } = await import("@tributary/agent/mock-llm");
    let script;
    if (values.script !== undefined) {
      const text = await readFile(values.script, "utf8").catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`cannot read --script ${values.script}: ${error.code ?? error.message}`);
      });
      try {
        script = parseMockScript(text);
      } catch (error) {
        throw new CliError(`--script ${values.script}: ${(error as Error).message}`);
      }
    }
    const models = values.models
      ?.split(",")
      .map((m) => m.trim())
      .filter((m) => m !== "");
    if (models !== undefined && models.length === 0) throw new CliError("--models must list at least one model id, e.g. --models gpt-4o,mock");
    let llm: MockLlm;
    try {
      llm = await startMockLlm({ port, host: values.host ?? "127.0.0.1", script, models });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") throw new CliError(`port ${port} is in use; pass --port with another one (or 0 for any).`, 1);
      throw error;
    }
    console.log(`mock-llm is listening on ${llm.url}  (${script ? `${script.turns.length} scripted turns` : "echo mode"})`);
    console.log(`  OPENAI_BASE_URL=${llm.baseUrl}`);
    if (!values.quiet) {
      let seen = 0;
      const timer = setInterval(() => {
        for (; seen < llm.requests.length; seen++) {
          const r = llm.requests[seen]!;
          console.log(`#${r.sequence} ${r.api} model=${r.summary.model} turn=${r.turn ?? "none"} user=${JSON.stringify(r.summary.lastUser.slice(0, 80))}`);
        }
      }, 100);
      timer.unref();
    }
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    await llm.close();
    return 0;
  },
};
