// The ping-pong processor of SPEC §3 (the talk's example), with only the import changed to "tributary".
// It answers every `ping` appended to /jonas or any stream below it with a `pong` on the same stream.
//
//   npx tributary serve                                         # in one terminal
//   npx node --conditions=tributary-source examples/ping-pong/ping-pong.ts   # the talk's way (outside this repo: node ping-pong.ts)
//   npx tributary run examples/ping-pong/ping-pong.ts --path /jonas --children --consumer pp   # durable
//   npx tributary append /jonas/anything '{"type":"ping"}'
import { defineProcessor, PullProcessorRuntime } from "tributary";

export const processor = defineProcessor(() => ({
  slug: "ping-pong",
  initialState: { seen: 0 },
  reduce: ({ event, state }) => (event.type === "ping" ? { seen: state.seen + 1 } : state),
  afterAppend: async ({ append, event }) => {
    if (event.type === "ping") await append({ event: { type: "pong", payload: { sourceOffset: event.offset } } });
  },
}));

// Run when executed directly; `tributary run` imports the file and runs the processor itself.
if (import.meta.main) await new PullProcessorRuntime({ path: "/jonas", includeChildren: true, processor }).run();
