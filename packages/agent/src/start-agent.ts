import { createEventsClient, PullProcessorRuntime, type EventsClient, type RuntimeLogLevel } from "@tributary/sdk";
import { acquireAgentLease } from "./agent-lease.ts";
import { createAgentProcessor, type AgentOptions } from "./agent-processor.ts";
import { fileTools } from "./tools/files/file-tools.ts";
import { ensureAgentBreaker } from "./streaming-breaker.ts";
import { shellTool } from "./tools/shell/shell-tool.ts";
import { createSubagentProcessor } from "./tools/subagent/subagent-tool.ts";
import { deployProcessorTool } from "./tools/deploy/deploy-tool.ts";
import { createToolProcessor } from "./tools/tool-processor.ts";
import { createMcpProcessor, type McpProcessorOptions } from "./mcp/mcp-processor.ts";

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
  /**
   * One agent per stream (default on): wait as a standby while another live agent process holds `path`,
   * take over when it dies. `false`: no lease (this agent answers whatever else runs).
   */
  lease?: false | { ttlMs?: number; onStandby?: () => void; signal?: AbortSignal };
  /** Offer the `deploy_processor` tool: the model may deploy hosted processors on its stream and below. */
  deployTool?: boolean;
  /**
   * MCP servers: `servers` are offered on every stream, `allow` may be asked for by an
   * `agent-mcp-servers-configured` event. Without this option the agent runs no MCP processor.
   */
  mcp?: McpProcessorOptions;
}

/**
 * Runs a coding agent against a server: the agent processor, the shell and file tools (with `cwd`), and,
 * with `children`, the sub-agent tool, each on its own pull runtime over the stream (and its children).
 * First it takes the stream's lease (`acquireAgentLease`): while another live agent process holds it, it
 * waits as a standby. Resolves once it holds the lease and every runtime has caught up.
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
  const client =
    options.client ??
    createEventsClient({ ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), ...(options.project ? { project: options.project } : {}) });
  const leaseOptions = options.lease === false ? undefined : (options.lease ?? {});
  const lease = leaseOptions
    ? await acquireAgentLease({
        client,
        path: options.path,
        ttlMs: leaseOptions.ttlMs,
        onStandby: leaseOptions.onStandby,
        onLost: () => lost(),
        signal: leaseOptions.signal,
      })
    : undefined;
  let lost: () => void = () => {};
  const mcp = options.mcp ? createMcpProcessor(options.mcp) : undefined;
  const processors = [
    createAgentProcessor({ client, ...(lease ? { holder: lease.holder } : {}), ...options.agent }),
    ...(options.cwd !== undefined
      ? [createToolProcessor([shellTool({ cwd: options.cwd, ...options.shell }), ...fileTools({ cwd: options.cwd })], { slug: "coding-tools" })]
      : []),
    ...(options.deployTool ? [createToolProcessor([deployProcessorTool({ client })], { slug: "deploy-tools" })] : []),
    ...(options.children ? [createSubagentProcessor({ maxDepth: options.agent?.maxSubagentDepth })] : []),
    ...(mcp ? [mcp.processor] : []),
  ];
  await ensureAgentBreaker(client, options.path);
  const runtimes = processors.map((processor) => new PullProcessorRuntime<unknown>({ ...common, processor: processor as never }));
  // MCP servers go first: their tools are withdrawn while the runtimes still run, then their processes end.
  const stopAll = async () => {
    await mcp?.close();
    await Promise.all(runtimes.map((runtime) => runtime.stop()));
  };
  let lostLease: Error | undefined;
  lost = () => {
    lostLease = new Error(`another agent took ${options.path} over (this one stalled past the lease's time to live)`);
    void stopAll();
  };
  try {
    await Promise.all(runtimes.map((runtime) => runtime.start()));
  } catch (error) {
    await stopAll();
    await lease?.release();
    throw error;
  }
  return {
    runtimes,
    /** The lease this process holds (undefined with `lease: false`). */
    lease,
    /** Resolves when every runtime is idle (for tests). */
    waitForIdle: (timeoutMs?: number) => Promise.all(runtimes.map((runtime) => runtime.waitForIdle(timeoutMs))).then(() => undefined),
    /** Resolves when all are stopped; rejects when a runtime fails, or when another agent took the lease over. */
    done: () =>
      Promise.all(runtimes.map((runtime) => runtime.run())).then(() => {
        if (lostLease) throw lostLease;
      }),
    /** Stops every runtime, then gives the lease up, so a standby takes over at once. */
    stop: async () => {
      await stopAll();
      await lease?.release();
    },
  };
}

export type RunningAgent = Awaited<ReturnType<typeof startAgent>>;
