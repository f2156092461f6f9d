import type { StoredEvent } from "@tributary/protocol";
import { parseAgentPayload } from "../agent-event-types.ts";
import type { McpServerConfig } from "../events.ts";

/** The MCP processor's state on one stream. */
export interface McpToolState {
  /** The servers the stream's latest `agent-mcp-servers-configured` asked for. */
  configured?: McpServerConfig[];
  /** Tools this processor announced and nobody withdrew: name → the JSON of the announcement. */
  announced: Record<string, string>;
  /** Open calls to those tools: call id → its tool, its request, and whether a process took it. */
  open: Record<string, { name: string; requestId: string; started?: true }>;
}

export const initialMcpToolState: McpToolState = { announced: {}, open: {} };

/** Pure and total: tracks the stream's MCP configuration, this processor's announcements and their open calls. */
export function reduceMcpToolState(state: McpToolState, event: StoredEvent, slug: string): McpToolState {
  const parsed = parseAgentPayload(event.type, event.payload);
  if (!parsed?.ok) return state;
  const payload = parsed.payload as Record<string, unknown> & { name: string; callId: string; requestId: string };
  switch (event.type) {
    case "agent-mcp-servers-configured":
      return { ...state, configured: (payload as unknown as { servers: McpServerConfig[] }).servers };
    case "agent-tool-announced": {
      if (event.metadata?.processor === slug) return { ...state, announced: { ...state.announced, [payload.name]: JSON.stringify(payload) } };
      // Another processor took the name over: it answers the calls now.
      const { [payload.name]: _taken, ...announced } = state.announced;
      return payload.name in state.announced ? { ...state, announced } : state;
    }
    case "agent-tool-withdrawn": {
      if (!(payload.name in state.announced)) return state;
      const { [payload.name]: _gone, ...announced } = state.announced;
      return { ...state, announced };
    }
    case "agent-tool-call-requested":
      return payload.name in state.announced
        ? { ...state, open: { ...state.open, [payload.callId]: { name: payload.name, requestId: payload.requestId } } }
        : state;
    case "agent-tool-call-started": {
      const call = state.open[payload.callId];
      return call ? { ...state, open: { ...state.open, [payload.callId]: { ...call, started: true } } } : state;
    }
    case "agent-tool-call-completed": {
      if (!(payload.callId in state.open)) return state;
      const { [payload.callId]: _done, ...open } = state.open;
      return { ...state, open };
    }
    default:
      return state;
  }
}
