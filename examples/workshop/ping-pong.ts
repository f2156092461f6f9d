// The workshop's ping-pong: a processor with only a slug and afterAppend (no initialState, no reduce). It
// answers any event whose type or payload mentions "ping" with a pong on the same stream.
import { defineProcessor } from "tributary/workshop";

export const processor = defineProcessor(() => ({
  slug: "ping-pong",
  afterAppend: async ({ append, event }) => {
    if (!JSON.stringify([event.type, event.payload || {}]).includes("ping")) return;
    await append({ event: { type: "pong", payload: { sourceOffset: event.offset } } });
  },
}));
