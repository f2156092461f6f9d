import { assertKnownOptions, type Processor } from "@tributary/protocol";
import type { EventsClient } from "../client/events-client.ts";
import { PatternProcessorRuntime } from "../runtimes/pattern-runtime.ts";
import { PullProcessorRuntime as TributaryPullRuntime } from "../runtimes/pull-runtime.ts";
import type { RuntimeLogger } from "../runtimes/runtime-logger.ts";
import { createEventsClient, tributaryClientOf, type WorkshopEventsClient } from "./workshop-client.ts";

/** The workshop's logger option: anything console-like. */
export type WorkshopLogger = Pick<Console, "debug" | "info" | "warn" | "error">;

interface WorkshopRuntimeOptions<State> {
  /** Defaults to `createEventsClient()` (`BASE_URL`, else the local server). */
  eventsClient?: WorkshopEventsClient | EventsClient;
  processor: Processor<State>;
  logger?: WorkshopLogger;
}

/** A console-like logger as the runtime logger the Tributary runtimes (and the processors they run) use. */
function runtimeLoggerFrom(logger: WorkshopLogger, fields: Record<string, unknown> = {}): RuntimeLogger {
  const at = (level: "debug" | "info" | "warn" | "error") => (message: string, extra?: Record<string, unknown>) => {
    const all = { ...fields, ...extra };
    if (Object.keys(all).length > 0) logger[level](message, all);
    else logger[level](message);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: (more) => runtimeLoggerFrom(logger, { ...fields, ...more }) };
}

function common<State>(where: string, options: WorkshopRuntimeOptions<State>) {
  return {
    client: tributaryClientOf(options.eventsClient ?? createEventsClient(), where),
    processor: options.processor,
    ...(options.logger ? { logger: runtimeLoggerFrom(options.logger) } : {}),
  };
}

/**
 * The workshop's runtime for one stream: reduces its history, then runs `afterAppend` for each new event.
 * A Tributary `PullProcessorRuntime` underneath (so `onCaughtUp`, relative append paths and the error
 * events work as documented in docs/sdk.md).
 *
 * @example
 * await new PullSubscriptionProcessorRuntime({ eventsClient: createEventsClient(), processor, streamPath: "/jonas/chat" }).run();
 */
export class PullSubscriptionProcessorRuntime<State> {
  readonly #runtime: TributaryPullRuntime<State>;
  readonly #slug: string;

  constructor(options: WorkshopRuntimeOptions<State> & { streamPath: string }) {
    assertKnownOptions("PullSubscriptionProcessorRuntime", options, ["eventsClient", "processor", "streamPath", "logger"]);
    this.#runtime = new TributaryPullRuntime({ ...common("PullSubscriptionProcessorRuntime", options), path: options.streamPath, includeChildren: false });
    this.#slug = options.processor.slug;
  }

  /** Runs until `stop()`. */
  run(): Promise<void> {
    return this.#runtime.run();
  }

  stop(): void {
    void this.#runtime.stop();
  }

  getState(): State | undefined {
    return this.#runtime.state();
  }

  getProcessorSlug(): string {
    return this.#slug;
  }
}

/**
 * The workshop's pattern runtime: runs the processor on every stream matching `streamPattern` (`*` one
 * segment, `**` any number, zero included), existing or created later, each with its own state.
 *
 * @example
 * await new PullSubscriptionPatternProcessorRuntime({ eventsClient: createEventsClient(), processor, streamPattern: "/jonas/**" }).run();
 */
export class PullSubscriptionPatternProcessorRuntime<State> {
  readonly #runtime: PatternProcessorRuntime<State>;

  constructor(options: WorkshopRuntimeOptions<State> & { streamPattern: string }) {
    assertKnownOptions("PullSubscriptionPatternProcessorRuntime", options, ["eventsClient", "processor", "streamPattern", "logger"]);
    this.#runtime = new PatternProcessorRuntime({
      ...common("PullSubscriptionPatternProcessorRuntime", options),
      pattern: normalizeStreamPattern(options.streamPattern),
    });
  }

  run(): Promise<void> {
    return this.#runtime.run();
  }

  stop(): void {
    void this.#runtime.stop();
  }

  /** The matching streams it runs on, sorted. */
  getStreamPaths(): string[] {
    return this.#runtime.paths().sort();
  }

  getState(streamPath: string): State | undefined {
    return this.#runtime.state(streamPath);
  }
}

/**
 * The workshop README's runtime: one path and, by default (`includeChildren: true`, the workshop's
 * default), every stream below it. The Tributary `PullProcessorRuntime` of `tributary` defaults to the
 * path alone.
 *
 * @example
 * await new PullProcessorRuntime({ path: "/jonas", processor }).run();
 */
export class PullProcessorRuntime<State> extends TributaryPullRuntime<State> {
  constructor(options: WorkshopRuntimeOptions<State> & { path: string; includeChildren?: boolean }) {
    assertKnownOptions("PullProcessorRuntime", options, ["eventsClient", "processor", "path", "includeChildren", "logger"]);
    super({ ...common("PullProcessorRuntime", options), path: options.path, includeChildren: options.includeChildren ?? true });
  }

  getState(streamPath: string = this.path): State | undefined {
    return this.state(streamPath);
  }

  getStreamPaths(): string[] {
    return this.paths().sort();
  }
}

/** A pattern with its leading slash (the workshop accepts `jonas/**`). */
export function normalizeStreamPattern(streamPattern: string): string {
  return streamPattern.startsWith("/") ? streamPattern : `/${streamPattern}`;
}
