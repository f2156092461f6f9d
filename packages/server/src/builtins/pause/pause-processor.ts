import { TributaryError } from "@tributary/protocol";
import { defineBuiltin } from "../builtin-processor.ts";

export type PauseState = { paused: false } | { paused: true; reason: string; offset: number; at: string; by: string | null };

/**
 * Pause / resume. `stream/paused {reason}` closes the stream to every append but `stream/resumed`;
 * refusals are answered with 423 and the reason, and are not stored (storing them would feed a loop).
 */
export const pauseProcessor = defineBuiltin<PauseState>(() => ({
  slug: "pause",
  initialState: { paused: false },
  reduce: ({ event, state }) => {
    if (event.type === "stream/paused") {
      const by = typeof event.payload.by === "string" ? event.payload.by : null;
      return { paused: true, reason: String(event.payload.reason ?? ""), offset: event.offset, at: event.createdAt, by };
    }
    if (event.type === "stream/resumed") return { paused: false };
    return state;
  },
  gate: ({ event, state, path }) => {
    if (!state.paused || event.type === "stream/resumed") return undefined;
    const sentence = /[.!?]$/.test(state.reason) ? state.reason : `${state.reason}.`;
    return new TributaryError("stream_paused", `${path} is paused: ${sentence} Append stream/resumed to resume it.`, {
      reason: state.reason,
      pausedAtOffset: state.offset,
      ...(state.by ? { pausedBy: state.by } : {}),
    });
  },
  effects: () => ({
    describe: (state) => (state.paused ? { reason: state.reason, offset: state.offset, at: state.at, by: state.by } : null),
  }),
}));
