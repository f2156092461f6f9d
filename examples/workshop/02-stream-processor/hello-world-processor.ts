// A processor file: counts hello-world events and, on the first one, appends hello-world-seen.
import { defineProcessor } from "tributary/workshop";

type HelloWorldState = { count: number };
const initialState: HelloWorldState = { count: 0 };

export default defineProcessor(() => ({
  slug: "hello-world",
  initialState,
  reduce: ({ event, state }) => (event.type === "hello-world" ? { count: state.count + 1 } : state),
  afterAppend: async ({ append, event, state }) => {
    if (event.type !== "hello-world" || state.count !== 1) return;
    await append({ event: { type: "hello-world-seen", payload: { sourceOffset: event.offset } } });
  },
}));
