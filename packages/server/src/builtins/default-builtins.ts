import type { BuiltinFactory, BuiltinProcessor } from "./builtin-processor.ts";
import { createHostedProcessors } from "./hosted/hosted-processors.ts";
import { createCircuitBreaker } from "./circuit-breaker/circuit-breaker-processor.ts";
import { pauseProcessor } from "./pause/pause-processor.ts";
import { createScheduler } from "./scheduler/scheduler-processor.ts";
import { createSubscriptions } from "./subscriptions/subscriptions-processor.ts";
import { createTransformers } from "./transformer/transformer-processor.ts";

/**
 * The built-in processors every stream gets, in the order their gates and side effects run. Factories
 * are called once per server (each server has its own timers and workers).
 */
export const defaultBuiltins: (BuiltinProcessor<any> | BuiltinFactory)[] = [pauseProcessor, createCircuitBreaker, createScheduler, createSubscriptions, createTransformers, createHostedProcessors];
