import type { StoredEvent } from "@tributary/protocol";
import { createEventsClient, type EventsClient } from "../client/events-client.ts";
import { createRuntimeLogger, type RuntimeLogLevel, type RuntimeLogger } from "./runtime-logger.ts";

/** Options every runtime shares. */
export interface CommonRuntimeOptions {
  /** The server; defaults to `TRIBUTARY_URL`, else `http://127.0.0.1:4000`. Ignored when `client` is given. */
  baseUrl?: string;
  project?: string;
  client?: EventsClient;
  /**
   * A durable consumer name: progress is stored on the server, and after a restart `afterAppend` runs for
   * the events that arrived while the runtime was down. Without it, history is only reduced.
   */
  consumer?: string;
  /** For a consumer's first run: `now` (default) skips the side effects of history, `beginning` runs them. */
  startFrom?: "now" | "beginning";
  logger?: RuntimeLogger;
  logLevel?: RuntimeLogLevel;
  /** Aborting it stops the runtime. */
  signal?: AbortSignal;
  /** Told of every event the processor appends (the testing helper collects them). */
  onAppend?: (event: StoredEvent) => void;
}

/** The option names of `CommonRuntimeOptions`, for the runtimes' unknown-option check. */
export const commonRuntimeOptionNames = ["baseUrl", "project", "client", "consumer", "startFrom", "logger", "logLevel", "signal", "onAppend"] as const;

export function clientFor(options: CommonRuntimeOptions): EventsClient {
  return (
    options.client ?? createEventsClient({ ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), ...(options.project ? { project: options.project } : {}) })
  );
}

export function loggerFor(options: CommonRuntimeOptions, slug: string): RuntimeLogger {
  return options.logger ?? createRuntimeLogger({ ...(options.logLevel ? { level: options.logLevel } : {}), fields: { processor: slug } });
}
