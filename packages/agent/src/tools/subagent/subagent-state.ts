import type { StoredEvent } from "@tributary/protocol";
import { z } from "zod";
import { parseAgentPayload } from "../../agent-event-types.ts";
import type { Api, McpServerConfig, RunOutcome, ToolPolicy } from "../../events.ts";

export const subagentToolName = "subagent";

/** Who delegated an input, recorded in the child's `agent-input-added` metadata. */
export const delegatedBySchema = z.object({
  path: z.string(),
  callId: z.string(),
  requestId: z.string(),
  /** How deep the child is (1: a child of the top agent), and the limit it inherits. */
  depth: z.number().int().min(1).optional(),
  maxDepth: z.number().int().min(0).optional(),
});
export type DelegatedBy = z.infer<typeof delegatedBySchema>;

export const subagentInputSchema = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "name is one path segment: 1-64 letters, digits, '_' or '-'")
    .describe("The sub-agent's name; it runs on the child stream ./<name>."),
  task: z.string().min(1).describe("Everything the sub-agent needs to know to do the task; it does not see this conversation."),
});

/** The sub-agent tool's state on one stream: as a parent (its calls) and as a child (inputs delegated to it). */
export interface SubagentState {
  announced: string | undefined;
  open: Record<string, string>;
  /** Call id → the child it delegated to (kept after the call closes: a late close stops that child). */
  children: Record<string, string>;
  /** How deep this stream's agent is (0 at the top), from the delegations that reached it. */
  depth: number;
  /** `maxSubagentDepth` as set on this stream, else as inherited from the delegation. */
  maxDepth?: number;
  /** Child name → the call that first delegated to it (that call also passes on the model settings). */
  firstCall: Record<string, string>;
  /** The model settings, tool policies and MCP servers set on this stream by events, passed on to new children. */
  config: {
    model?: string;
    baseUrl?: string;
    api?: Api;
    toolPolicy?: { default?: ToolPolicy; tools: Record<string, ToolPolicy | null> };
    mcpServers?: McpServerConfig[];
  };
  /** Input offset → who delegated it, how its run ended, and whether the parent closed the call already (then nothing is reported). */
  delegations: Record<string, DelegatedBy & { ended?: { outcome: RunOutcome; text?: string }; closed?: boolean }>;
  /** Set while this stream's own `maxSubagentDepth` setting is what counts. */
  ownMaxDepth?: boolean;
}

export const initialSubagentState: SubagentState = { announced: undefined, open: {}, children: {}, depth: 0, firstCall: {}, config: {}, delegations: {} };

/** Pure and total. */
export function reduceSubagent(state: SubagentState, event: StoredEvent): SubagentState {
  const parsed = parseAgentPayload(event.type, event.payload);
  if (!parsed?.ok) return state;
  // The payload passed its type's schema; these are the fields the cases below read.
  const p = parsed.payload as {
    name: string;
    callId: string;
    requestId: string;
    input: unknown;
    model: string;
    inputOffset: number;
    outcome: RunOutcome;
    text?: string;
    maxSubagentDepth?: number;
  };
  switch (event.type) {
    case "agent-tool-announced":
      return p.name === subagentToolName ? { ...state, announced: JSON.stringify(p) } : state;
    case "agent-model-changed":
      return { ...state, config: { ...state.config, model: p.model } };
    case "agent-provider-changed":
      return { ...state, config: { ...state.config, ...(p as { baseUrl?: string; api?: Api }) } };
    case "agent-tool-policy-changed": {
      const change = p as unknown as { default?: ToolPolicy; tools?: Record<string, ToolPolicy | null> };
      const known = state.config.toolPolicy ?? { tools: {} };
      const toolPolicy = { ...known, ...(change.default ? { default: change.default } : {}), tools: { ...known.tools, ...change.tools } };
      return { ...state, config: { ...state.config, toolPolicy } };
    }
    case "agent-mcp-servers-configured":
      return { ...state, config: { ...state.config, mcpServers: (p as unknown as { servers: McpServerConfig[] }).servers } };
    case "agent-tool-call-requested": {
      if (p.name !== subagentToolName) return state;
      const input = subagentInputSchema.safeParse(p.input);
      const firstCall = input.success && state.firstCall[input.data.name] === undefined ? { ...state.firstCall, [input.data.name]: p.callId } : state.firstCall;
      const children = input.success ? { ...state.children, [p.callId]: input.data.name } : state.children;
      return { ...state, open: { ...state.open, [p.callId]: p.requestId }, firstCall, children };
    }
    case "agent-settings-changed":
      return p.maxSubagentDepth === undefined ? state : { ...state, maxDepth: p.maxSubagentDepth, ownMaxDepth: true };
    case "agent-run-stop-requested": {
      // The parent closed the call this child works for: its run's end is not reported.
      const by = delegatedBySchema.safeParse(event.metadata?.delegatedBy);
      if (!by.success) return state;
      const delegations = Object.fromEntries(
        Object.entries(state.delegations).map(([offset, d]) => [offset, d.callId === by.data.callId && d.path === by.data.path ? { ...d, closed: true } : d]),
      );
      return { ...state, delegations };
    }
    case "agent-tool-call-completed": {
      const { [p.callId]: _done, ...open } = state.open;
      return { ...state, open };
    }
    case "agent-input-added": {
      const by = delegatedBySchema.safeParse(event.metadata?.delegatedBy);
      if (!by.success) return state;
      const inherited = !state.ownMaxDepth && by.data.maxDepth !== undefined ? { maxDepth: by.data.maxDepth } : {};
      return { ...state, ...inherited, depth: Math.max(state.depth, by.data.depth ?? 1), delegations: { ...state.delegations, [event.offset]: by.data } };
    }
    case "agent-run-ended": {
      const delegation = state.delegations[p.inputOffset];
      if (!delegation) return state;
      return { ...state, delegations: { ...state.delegations, [p.inputOffset]: { ...delegation, ended: { outcome: p.outcome, text: p.text } } } };
    }
    default:
      return state;
  }
}
