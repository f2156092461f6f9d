// The pattern example with relative append paths: "parent" in a ping answers on ../, "child" on ./child.
import { defineProcessor } from "tributary/workshop";

export default defineProcessor(() => ({
  slug: "relative-ping-pong",
  initialState: { pingCount: 0 },
  reduce: ({ event, state }) => (event.type === "ping" ? { pingCount: state.pingCount + 1 } : state),
  afterAppend: async ({ append, event, state }) => {
    if (event.type !== "ping") return;
    const message = String((event.payload as { message?: string }).message ?? "").toLowerCase();
    const payload = { pingCount: state.pingCount, replyToOffset: event.offset };
    if (message.includes("parent")) await append({ path: "../", event: { type: "pong", payload: { location: "parent", ...payload } } });
    if (message.includes("child")) await append({ path: "./child", event: { type: "pong", payload: { location: "child", ...payload } } });
  },
}));
