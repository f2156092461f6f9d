import { mockLlmCommand } from "./mock-llm.ts";
import { serveCommand } from "./serve.ts";

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Every CLI command, one file each. */
export const commands: Record<string, Command> = {
  serve: serveCommand,
  "mock-llm": mockLlmCommand,
};
