import type { Processor } from "@tributary/protocol";
import { clientFor, loggerFor, type CommonRuntimeOptions } from "./runtime-options.ts";
import { createTreeRuntime, type TreeRuntime } from "./tree-runtime.ts";

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
export class PullProcessorRuntime<State> {
  readonly path: string;
  readonly #tree: TreeRuntime<State>;
  #started: Promise<void> | undefined;

  constructor(options: PullRuntimeOptions<State>) {
    this.path = options.path;
    this.#tree = createTreeRuntime({
      client: clientFor(options),
      root: options.path,
      includeRoot: true,
      includeDescendants: options.includeChildren ?? false,
      match: () => true,
      processor: options.processor,
      consumer: options.consumer,
      startFrom: options.startFrom,
      logger: loggerFor(options, options.processor.slug),
      onAppend: options.onAppend,
    });
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  /** Starts, and resolves once caught up (every existing stream reduced and its `onCaughtUp` run). */
  start(): Promise<void> {
    return (this.#started ??= this.#tree.start());
  }

  /** Starts and runs until `stop()` (or the `signal` aborts); rejects if the server cannot be reached at start. */
  async run(): Promise<void> {
    await this.start();
    await this.#tree.done();
  }

  /** Stops: aborts running side effects, waits for them, and stores a consumer's progress. */
  stop(): Promise<void> {
    return this.#tree.stop();
  }

  /** The current state of one stream (default: the runtime's path). */
  state(path: string = this.path): State | undefined {
    return this.#tree.stateOf(path);
  }

  /** The streams it runs on now. */
  paths(): string[] {
    return this.#tree.paths();
  }

  /** Resolves when every stream's newest event is reduced and no side effect is running. For tests. */
  waitForIdle(timeoutMs?: number): Promise<void> {
    return this.#tree.waitForIdle(timeoutMs);
  }
}
