// A processor meant for a pattern runtime: answers each ping on its own stream with the count so far.
import { defineProcessor } from "tributary/workshop";

type PingPongState = { pingCount: number };
const initialState: PingPongState = { pingCount: 0 };

export default defineProcessor(() => ({
  slug: "ping-pong",
  initialState,
  reduce: ({ event, state }) => (event.type === "ping" ? { pingCount: state.pingCount + 1 } : state),
  afterAppend: async ({ append, event, state }) => {
    if (event.type !== "ping") return;
    await append({ event: { type: "pong", payload: { replyToOffset: event.offset, pingCount: state.pingCount } } });
  },
}));
