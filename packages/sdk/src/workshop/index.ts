// `tributary/workshop`: the surface of the workshop SDK the talk used, so its example files run with only the
// import specifier changed. Names, option names, return shapes and environment variables follow the workshop;
// the behaviour is Tributary's runtimes. The differences kept on purpose are listed in docs/sdk.md.
import { compilePathPattern } from "../runtimes/path-pattern.ts";
import { eventInputSchema } from "@tributary/protocol";

export { defineProcessor, type Processor, type ProcessorAppendInput, type EventInput, type StoredEvent as Event } from "@tributary/protocol";
export { createEventsClient, type WorkshopAppendResult, type WorkshopEventsClient as EventsClient, type WorkshopStreamInput } from "./workshop-client.ts";
export {
  normalizeStreamPattern,
  PullProcessorRuntime,
  PullSubscriptionPatternProcessorRuntime,
  PullSubscriptionProcessorRuntime,
  type WorkshopLogger,
} from "./subscription-runtimes.ts";
export { getDefaultWorkshopPathPrefix, isMainModule, normalizePathPrefix, runWorkshopMain } from "./workshop-main.ts";

/** An event as appended, as a zod object (extend it: `GenericEventInputSchema.extend({ type: z.literal("x"), payload })`). */
export const GenericEventInputSchema = eventInputSchema;
/** The workshop's name for the same schema. */
export const EventInputSchema = eventInputSchema;

export type StreamPath = string;
export type EventType = string;
export type JSONObject = Record<string, unknown>;

/** True when `streamPath` matches the pattern (`*` one segment, `**` any number, zero included). */
export function matchesStreamPattern(streamPath: string, streamPattern: string): boolean {
  return compilePathPattern(streamPattern).test(streamPath);
}
