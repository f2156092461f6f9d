/**
 * A hosted ping-pong module (plain JavaScript, as `processor/deployed` carries it): counts pings and answers
 * each with a `reply` event whose `sourceOffset` is the ping's offset.
 *
 * @example
 * await appendJson(url, "/me/pp", { type: "processor/deployed", payload: { slug: "ping-pong", script: pingPongModule("pong") } });
 */
export const pingPongModule = (reply = "pong") => `
import { defineProcessor } from "tributary";
export default defineProcessor(() => ({
  slug: "ping-pong",
  initialState: { seen: 0 },
  reduce: ({ event, state }) => (event.type === "ping" ? { seen: state.seen + 1 } : state),
  afterAppend: async ({ event, append }) => {
    if (event.type === "ping") await append({ event: { type: "${reply}", payload: { sourceOffset: event.offset } } });
  },
}));`;
