import { agentCommand } from "./agent.ts";
import { appendCommand } from "./append.ts";
import { chatCommand } from "./chat.ts";
import { lsCommand } from "./ls.ts";
import { mockLlmCommand } from "./mock-llm.ts";
import { runCommand } from "./run.ts";
import { serveCommand } from "./serve.ts";
import { tailCommand } from "./tail.ts";

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Every CLI command, one file each. */
export const commands: Record<string, Command> = {
  serve: serveCommand,
  "mock-llm": mockLlmCommand,
  append: appendCommand,
  tail: tailCommand,
  ls: lsCommand,
  run: runCommand,
  agent: agentCommand,
  chat: chatCommand,
};
