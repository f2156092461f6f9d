import { defineBuiltin } from "../builtin-processor.ts";

export interface ActivityState {
  /** The newest event's `createdAt` (the server's commit time); null for a stream without events. */
  lastEventAt: string | null;
  lastType: string | null;
  /** True once an agent's event (`agent-*`) was appended: an agent's stream. */
  agent: boolean;
}

/**
 * What a stream's tree row says about it, folded from its events: when it last changed, with what, and
 * whether an agent works on it. No gate and no side effects; `GET /api/state` shows it as `activity`, and
 * `GET /api/tree?status=true` reads it for every listed stream.
 */
export const activityProcessor = defineBuiltin<ActivityState>(() => ({
  slug: "activity",
  initialState: { lastEventAt: null, lastType: null, agent: false },
  reduce: ({ event, state }) => ({ lastEventAt: event.createdAt, lastType: event.type, agent: state.agent || event.type.startsWith("agent-") }),
}));
