// Older workshop code appends the event itself, without the { event } wrapper: append({ type, payload }).
import { defineProcessor } from "tributary/workshop";

export default defineProcessor(() => ({
  slug: "bare-append",
  initialState: { seenHelloWorld: false },
  reduce: ({ event, state }) => (event.type === "hello-world" ? { seenHelloWorld: true } : state),
  afterAppend: async ({ append, event }) => {
    if (event.type !== "hello-world") return;
    // @ts-expect-error: the typed signature wants { event }; the runtime takes the bare event too.
    await append({ type: "hello-world-seen", payload: { sourceOffset: event.offset } });
  },
}));
