import { assertKnownOptions, type Processor } from "@tributary/protocol";
import { commonRuntimeOptionNames, type CommonRuntimeOptions } from "./runtime-options.ts";
import { TreeBackedRuntime } from "./tree-backed-runtime.ts";

export interface PullRuntimeOptions<State> extends CommonRuntimeOptions {
  /** The stream to run on. */
  path: string;
  /** Also run on every descendant of `path`, including those created while running (each with its own state). */
  includeChildren?: boolean;
  processor: Processor<State>;
}

/**
 * Runs a processor in this process on one stream or a whole subtree, reading over Server-Sent Events.
 *
 * On start it reduces each stream's history without side effects, calls `onCaughtUp` once per stream,
 * then runs `afterAppend` for every new event. Children created later are picked up live. With a
 * `consumer` name, progress is stored on the server and events that arrived while it was down get their
 * `afterAppend` after a restart. The guarantees are listed in docs/sdk.md.
 *
 * @example
 * await new PullProcessorRuntime({ path: "/jonas", includeChildren: true, processor }).run();
 */
export class PullProcessorRuntime<State> extends TreeBackedRuntime<State> {
  readonly path: string;

  constructor(options: PullRuntimeOptions<State>) {
    assertKnownOptions("PullProcessorRuntime", options, [...commonRuntimeOptionNames, "path", "includeChildren", "processor"]);
    super(options, { root: options.path, includeRoot: true, includeDescendants: options.includeChildren ?? false, match: () => true });
    this.path = options.path;
  }

  /** The current state of one stream (default: the runtime's path). */
  state(path: string = this.path): State | undefined {
    return this.stateOf(path);
  }
}
