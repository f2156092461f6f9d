import type { Processor } from "@tributary/protocol";
import { clientFor, loggerFor, type CommonRuntimeOptions } from "./runtime-options.ts";
import { createTreeRuntime, type TreeRuntime, type TreeRuntimeOptions } from "./tree-runtime.ts";

/** Which streams of a tree a runtime runs on. */
export type TreeSelection = Pick<TreeRuntimeOptions<unknown>, "root" | "includeRoot" | "includeDescendants" | "match">;

/**
 * What the pull and pattern runtimes share: a tree runtime built from the common options and a selection
 * of streams, with start / run / stop and the views tests use. The subclasses only choose the streams.
 */
export class TreeBackedRuntime<State> {
  readonly #tree: TreeRuntime<State>;
  #started: Promise<void> | undefined;

  constructor(options: CommonRuntimeOptions & { processor: Processor<State> }, selection: TreeSelection) {
    this.#tree = createTreeRuntime({
      ...selection,
      client: clientFor(options),
      processor: options.processor,
      consumer: options.consumer,
      startFrom: options.startFrom,
      logger: loggerFor(options, options.processor.slug),
      onAppend: options.onAppend,
    });
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  /** Starts, and resolves once caught up (every selected stream reduced and its `onCaughtUp` run). */
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

  /** The streams it runs on now. */
  paths(): string[] {
    return this.#tree.paths();
  }

  /** Resolves when every stream's newest event is reduced and no side effect is running. For tests. */
  waitForIdle(timeoutMs?: number): Promise<void> {
    return this.#tree.waitForIdle(timeoutMs);
  }

  protected stateOf(path: string): State | undefined {
    return this.#tree.stateOf(path);
  }
}
