export {
  defineProcessor,
  reduceWith,
  resolveStreamPath,
  TributaryError,
  type AfterAppendContext,
  type CaughtUpContext,
  type StopContext,
  type EventInput,
  type InterruptContext,
  type Processor,
  type ProcessorAppend,
  type ProcessorAppendInput,
  type ProcessorLogger,
  type ReduceContext,
  type SideEffectConcurrency,
  type StoredEvent,
} from "@tributary/protocol";
export { createEventsClient, type EventsClient, type EventsClientOptions, type ListingPage, type StreamListing } from "./client/events-client.ts";
export type { StreamOptions } from "./client/event-stream.ts";
export { retryDelayFor } from "./client/retry-policy.ts";
export { createSseParser, type SseMessage } from "./client/sse-parser.ts";
export { defineEventType, matchEvent, type EventCase, type EventType, type TypedEvent } from "./processor/event-type.ts";
export { PullProcessorRuntime, type PullRuntimeOptions } from "./runtimes/pull-runtime.ts";
export { PatternProcessorRuntime, type PatternRuntimeOptions } from "./runtimes/pattern-runtime.ts";
export { PushProcessorRuntime, type PushRuntimeOptions } from "./runtimes/push-runtime.ts";
export { compilePathPattern, type PathPattern } from "./runtimes/path-pattern.ts";
export { InterruptedError } from "./runtimes/stream-runner.ts";
export { createRuntimeLogger, type RuntimeLogger, type RuntimeLogLevel } from "./runtimes/runtime-logger.ts";
export type { CommonRuntimeOptions } from "./runtimes/runtime-options.ts";
