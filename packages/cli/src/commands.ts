import type { Command } from "./command.ts";

/**
 * A command whose module is imported only when it runs: `tributary append` then loads neither the server
 * nor the agent, which halves its start-up time. `summary` repeats the module's own (a test keeps them equal).
 */
function lazy(summary: string, load: () => Promise<Command>): Command & { load: () => Promise<Command> } {
  return { summary, load, run: async (argv) => (await load()).run(argv) };
}

/** Every CLI command, one file each. */
export const commands: Record<string, Command & { load: () => Promise<Command> }> = {
  serve: lazy("start the server and web UI (embedded storage)", async () => (await import("./serve.ts")).serveCommand),
  "mock-llm": lazy("start a scripted OpenAI-compatible model server (tests, demos, evals)", async () => (await import("./mock-llm.ts")).mockLlmCommand),
  append: lazy("append an event to a stream and print it as stored", async () => (await import("./append.ts")).appendCommand),
  tail: lazy("print a stream's events (--live keeps following)", async () => (await import("./tail.ts")).tailCommand),
  ls: lazy("list the tree of streams under a path", async () => (await import("./ls.ts")).lsCommand),
  run: lazy("run a processor file (TypeScript) on a stream or a subtree", async () => (await import("./run.ts")).runCommand),
  deploy: lazy("bundle a processor file and run it on the server (hosted, sandboxed)", async () => (await import("./deploy.ts")).deployCommand),
  agent: lazy("run the LLM agent and its tools on a stream", async () => (await import("./agent.ts")).agentCommand),
  chat: lazy("chat with an agent in the terminal", async () => (await import("./chat.ts")).chatCommand),
  import: lazy("import a Claude Code or pi session file into a stream as agent events", async () => (await import("./import.ts")).importCommand),
  token: lazy("create, list and revoke the tokens of a server started with --auth", async () => (await import("./token.ts")).tokenCommand),
  bench: lazy("measure the performance targets and write BENCHMARKS.md", async () => (await import("./bench.ts")).benchCommand),
};
