import { createEventsClient, PullProcessorRuntime, type EventsClient, type RuntimeLogLevel } from "@tributary/sdk";
import { createAgentProcessor, type AgentOptions } from "./agent-processor.ts";
import { fileTools } from "./tools/files/file-tools.ts";
import { ensureAgentBreaker } from "./streaming-breaker.ts";
import { shellTool } from "./tools/shell/shell-tool.ts";
import { createSubagentProcessor } from "./tools/subagent/subagent-tool.ts";
import { createToolProcessor } from "./tools/tool-processor.ts";

export interface StartAgentOptions {
  /** The Tributary server (default `TRIBUTARY_URL`, else http://127.0.0.1:4000). */
  baseUrl?: string;
  project?: string;
  /** A client to use instead of `baseUrl` / `project`. */
  client?: EventsClient;
  /** The agent's stream. */
  path: string;
  /** Also run agents (and tools) on every descendant: needed for sub-agents. */
  children?: boolean;
  /** The agent's defaults and model endpoint (`baseUrl` here is the model's, e.g. http://localhost:11434/v1). */
  agent?: AgentOptions;
  /** The working directory of the shell and file tools; no local tools when undefined. */
  cwd?: string;
  shell?: { mode?: "bash" | "just-bash"; timeoutMs?: number; maxOutputChars?: number };
  logLevel?: RuntimeLogLevel;
}

/**
 * Runs a coding agent against a server: the agent processor, the shell and file tools (with `cwd`), and,
 * with `children`, the sub-agent tool, each on its own pull runtime over the stream (and its children).
 * Resolves once every runtime has caught up.
 *
 * @example
 * const agent = await startAgent({ baseUrl: "http://127.0.0.1:4000", path: "/me/agent", children: true, cwd: process.cwd(),
 *   agent: { model: "gpt-4o-mini", baseUrl: "http://127.0.0.1:4010/v1" } });
 * // … later
 * await agent.stop();
 */
export async function startAgent(options: StartAgentOptions) {
  const common = {
    path: options.path,
    includeChildren: options.children ?? false,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.project ? { project: options.project } : {}),
    ...(options.client ? { client: options.client } : {}),
    logLevel: options.logLevel ?? "warn",
  };
  const client = options.client ?? createEventsClient({ ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), ...(options.project ? { project: options.project } : {}) });
  const processors = [
    createAgentProcessor({ client, ...options.agent }),
    ...(options.cwd !== undefined ? [createToolProcessor([shellTool({ cwd: options.cwd, ...options.shell }), ...fileTools({ cwd: options.cwd })], { slug: "coding-tools" })] : []),
    ...(options.children ? [createSubagentProcessor({ maxDepth: options.agent?.maxSubagentDepth })] : []),
  ];
  await ensureAgentBreaker(client, options.path);
  const runtimes = processors.map((processor) => new PullProcessorRuntime<unknown>({ ...common, processor: processor as never }));
  try {
    await Promise.all(runtimes.map((runtime) => runtime.start()));
  } catch (error) {
    await Promise.all(runtimes.map((runtime) => runtime.stop()));
    throw error;
  }
  return {
    runtimes,
    /** Resolves when every runtime is idle (for tests). */
    waitForIdle: (timeoutMs?: number) => Promise.all(runtimes.map((runtime) => runtime.waitForIdle(timeoutMs))).then(() => undefined),
    /** Resolves when a runtime fails or all are stopped. */
    done: () => Promise.all(runtimes.map((runtime) => runtime.run())).then(() => undefined),
    stop: () => Promise.all(runtimes.map((runtime) => runtime.stop())).then(() => undefined),
  };
}

export type RunningAgent = Awaited<ReturnType<typeof startAgent>>;
