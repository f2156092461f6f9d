// A counter with state, written with typed events: each event type is declared once with a zod schema,
// and reduce matches on them (an event whose payload does not fit its schema is ignored: reduce stays total).
//
//   npx tributary run examples/counter/counter.ts --path /counter
//   npx tributary append /counter '{"type":"increment","payload":{"by":2}}'
//   npx tributary append /counter '{"type":"count-requested"}'      # → count-reported {count: 2}
import { z } from "zod";
import { defineEventType, defineProcessor, matchEvent } from "tributary";

export const Increment = defineEventType("increment", z.object({ by: z.number().int().default(1) }));
export const Reset = defineEventType("reset", z.object({}));
export const CountRequested = defineEventType("count-requested", z.object({}));
export const CountReported = defineEventType("count-reported", z.object({ count: z.number().int() }));

export default defineProcessor(() => ({
  slug: "counter",
  initialState: { count: 0 },
  reduce: ({ event, state }) =>
    matchEvent(event, [Increment.on((increment) => ({ count: state.count + increment.payload.by })), Reset.on(() => ({ count: 0 }))]),
  onCaughtUp: ({ state, logger, path }) => logger.info(`the count on ${path} is ${state.count}`),
  afterAppend: async ({ event, state, append }) => {
    if (CountRequested.is(event)) await append({ event: CountReported.create({ count: state.count }) });
  },
}));
