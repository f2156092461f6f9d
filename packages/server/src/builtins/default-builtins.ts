import type { BuiltinProcessor } from "./builtin-processor.ts";
import { pauseProcessor } from "./pause/pause-processor.ts";

/** The built-in processors every stream gets, in the order their gates and side effects run. */
export const defaultBuiltins: BuiltinProcessor<any>[] = [pauseProcessor];
