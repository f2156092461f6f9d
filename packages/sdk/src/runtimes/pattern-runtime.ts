import { assertKnownOptions, type Processor } from "@tributary/protocol";
import { compilePathPattern } from "./path-pattern.ts";
import { commonRuntimeOptionNames, type CommonRuntimeOptions } from "./runtime-options.ts";
import { TreeBackedRuntime } from "./tree-backed-runtime.ts";

export interface PatternRuntimeOptions<State> extends CommonRuntimeOptions {
  /** `*` = one segment, `**` = any number of segments: `/jonas/*\/agent`, `/jonas/**`. */
  pattern: string;
  processor: Processor<State>;
}

/**
 * Runs a processor on every stream whose path matches a pattern, existing or created later, each with
 * its own state. It watches the pattern's fixed prefix (`/jonas` for `/jonas/*\/agent`) for new streams;
 * catch-up, `onCaughtUp`, `afterAppend` and consumers work as in `PullProcessorRuntime`.
 *
 * @example
 * await new PatternProcessorRuntime({ pattern: "/jonas/*\/agent", processor: agent }).run();
 */
export class PatternProcessorRuntime<State> extends TreeBackedRuntime<State> {
  readonly pattern: string;

  constructor(options: PatternRuntimeOptions<State>) {
    assertKnownOptions("PatternProcessorRuntime", options, [...commonRuntimeOptionNames, "pattern", "processor"]);
    const compiled = compilePathPattern(options.pattern);
    const exact = compiled.matchesRoot && !options.pattern.includes("*");
    super(options, { root: compiled.root, includeRoot: compiled.matchesRoot, includeDescendants: !exact, match: compiled.test });
    this.pattern = options.pattern;
  }

  /** The current state of one matching stream. */
  state(path: string): State | undefined {
    return this.stateOf(path);
  }
}
