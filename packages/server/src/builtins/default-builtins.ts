import { activityProcessor } from "./activity/activity-processor.ts";
import type { Builtin } from "./builtin-processor.ts";
import { circuitBreaker } from "./circuit-breaker/circuit-breaker-processor.ts";
import { hostedProcessors } from "./hosted/hosted-processors.ts";
import { pauseProcessor } from "./pause/pause-processor.ts";
import { scheduler } from "./scheduler/scheduler-processor.ts";
import { subscriptions } from "./subscriptions/subscriptions-processor.ts";
import { transformers } from "./transformer/transformer-processor.ts";

/**
 * The built-in processors every stream gets, in the order their gates and side effects run. Their
 * `effects` are created once per server (each server has its own timers and workers).
 */
export const defaultBuiltins: readonly Builtin<any>[] = [
  pauseProcessor,
  circuitBreaker,
  scheduler,
  subscriptions,
  transformers,
  hostedProcessors,
  activityProcessor,
];
