import type { Processor } from "@tributary/protocol";
import { compilePathPattern } from "./path-pattern.ts";
import { clientFor, loggerFor, type CommonRuntimeOptions } from "./runtime-options.ts";
import { createTreeRuntime, type TreeRuntime } from "./tree-runtime.ts";

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
export class PatternProcessorRuntime<State> {
  readonly pattern: string;
  readonly #tree: TreeRuntime<State>;
  #started: Promise<void> | undefined;

  constructor(options: PatternRuntimeOptions<State>) {
    this.pattern = options.pattern;
    const compiled = compilePathPattern(options.pattern);
    const exact = compiled.matchesRoot && !options.pattern.includes("*");
    this.#tree = createTreeRuntime({
      client: clientFor(options),
      root: compiled.root,
      includeRoot: compiled.matchesRoot,
      includeDescendants: !exact,
      match: compiled.test,
      processor: options.processor,
      consumer: options.consumer,
      startFrom: options.startFrom,
      logger: loggerFor(options, options.processor.slug),
      onAppend: options.onAppend,
    });
    options.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  /** Starts, and resolves once every matching stream has caught up. */
  start(): Promise<void> {
    return (this.#started ??= this.#tree.start());
  }

  /** Starts and runs until `stop()` (or the `signal` aborts). */
  async run(): Promise<void> {
    await this.start();
    await this.#tree.done();
  }

  stop(): Promise<void> {
    return this.#tree.stop();
  }

  /** The current state of one matching stream. */
  state(path: string): State | undefined {
    return this.#tree.stateOf(path);
  }

  /** The matching streams it runs on now. */
  paths(): string[] {
    return this.#tree.paths();
  }

  waitForIdle(timeoutMs?: number): Promise<void> {
    return this.#tree.waitForIdle(timeoutMs);
  }
}
