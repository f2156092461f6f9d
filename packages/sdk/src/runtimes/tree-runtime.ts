import { setTimeout as sleep } from "node:timers/promises";
import { parseStreamPath, type Processor, type StoredEvent } from "@tributary/protocol";
import type { EventsClient } from "../client/events-client.ts";
import { createStreamRunner, type StreamRunner } from "./stream-runner.ts";
import type { RuntimeLogger } from "./runtime-logger.ts";

export interface TreeRuntimeOptions<State> {
  client: EventsClient;
  /** The stream whose `stream/child-created` events announce every descendant. */
  root: string;
  /** Run the processor on the root itself (when `match` accepts it). */
  includeRoot: boolean;
  /** Run it on descendants too (those `match` accepts), existing and created later. */
  includeDescendants: boolean;
  match: (path: string) => boolean;
  processor: Processor<State>;
  consumer?: string | undefined;
  startFrom?: "now" | "beginning" | undefined;
  logger: RuntimeLogger;
  onAppend?: ((event: StoredEvent) => void) | undefined;
}

/**
 * Runs a processor on a set of streams under one root, one `StreamRunner` (with its own state) per
 * stream, and keeps the set current.
 *
 * How it finds streams without missing one:
 * 1. It reads the root's head first, then lists the descendants. A stream created after the head shows
 *    up as a `stream/child-created` event after it, which the discovery reader (a live read of the root
 *    from that head) turns into a runner for a new stream: all its events are new.
 * 2. `stream/child-deleted` stops that stream's runner.
 * 3. A durable consumer's first run on this tree is recognised by the absence of the marker cursor
 *    `<consumer>:started` on the root, stored once every stream has caught up.
 *
 * @example
 * const tree = createTreeRuntime({ client, root: "/jonas", includeRoot: true, includeDescendants: true, match: () => true, processor, logger });
 * await tree.start(); // caught up
 */
export function createTreeRuntime<State>(options: TreeRuntimeOptions<State>) {
  const { client, processor, logger } = options;
  const root = parseStreamPath(options.root);
  const controller = new AbortController();
  const signal = controller.signal;
  const runners = new Map<string, StreamRunner<State>>();
  const tasks = new Set<Promise<void>>();
  let failure: unknown;
  let firstRun = false;
  let started = false;
  const markerName = options.consumer ? `${options.consumer}:started` : undefined;

  function track(task: Promise<void>): void {
    const tracked = task.catch((error) => {
      if (signal.aborted) return;
      failure = error;
      logger.error("runtime failed", { error: error instanceof Error ? error.message : String(error) });
      controller.abort(error);
    });
    tasks.add(tracked);
    void tracked.then(() => tasks.delete(tracked));
  }

  function startRunner(path: string, head: number): StreamRunner<State> {
    const runner = createStreamRunner({
      client,
      path,
      processor,
      head,
      consumer: options.consumer ? { name: options.consumer, firstRun, startFrom: options.startFrom ?? "now" } : undefined,
      logger,
      signal,
      onAppend: options.onAppend,
    });
    runners.set(path, runner);
    track(runner.run());
    return runner;
  }

  async function discover(after: number): Promise<void> {
    const events = client.stream({
      path: root,
      afterOffset: after,
      live: true,
      signal,
      retryFirstConnection: true,
      onReconnect: ({ attempt, error }) => logger.warn("discovery connection lost; reconnecting", { path: root, attempt, error: String(error) }),
    });
    for await (const event of events) {
      const childPath = event.payload.childPath;
      if (typeof childPath !== "string") continue;
      if (event.type === "stream/child-created" && options.match(childPath) && !runners.has(childPath)) {
        logger.debug("new stream", { path: childPath });
        startRunner(childPath, 0);
      } else if (event.type === "stream/child-deleted") {
        runners.get(childPath)?.stop();
        runners.delete(childPath);
      }
    }
  }

  return {
    root,

    /** Catches up on every stream that exists now; resolves once each one's `onCaughtUp` has run. */
    async start(): Promise<void> {
      if (started) throw new Error("This runtime has already been started; create a new one to run again.");
      started = true;
      try {
        await catchUp();
      } catch (error) {
        controller.abort(error);
        while (tasks.size > 0) await Promise.all([...tasks]);
        throw error;
      }
    },

    /** Resolves when stopped; rejects when the runtime failed for good. */
    async done(): Promise<void> {
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      while (tasks.size > 0) await Promise.all([...tasks]);
      if (failure) throw failure;
    },

    /** Stops reading, aborts running side effects, waits for them and stores durable progress. */
    async stop(): Promise<void> {
      controller.abort(new Error("runtime stopped"));
      while (tasks.size > 0) await Promise.all([...tasks]);
    },

    stateOf(path: string): State | undefined {
      return runners.get(parseStreamPath(path))?.state();
    },

    paths(): string[] {
      return [...runners.keys()];
    },

    /**
     * Resolves once every stream's newest event has been reduced and no side effect is waiting or
     * running, as seen by asking the server for the heads. For tests and scripts.
     */
    async waitForIdle(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pending = await pendingWork();
        if (pending.length === 0) return;
        if (failure) throw failure;
        if (Date.now() > deadline) throw new Error(`The runtime did not become idle within ${timeoutMs} ms: ${pending.slice(0, 5).join("; ")}`);
        await sleep(10);
      }
    },
  };

  async function catchUp(): Promise<void> {
    const rootHead = await client.head(root, signal);
    if (markerName) firstRun = (await client.getCursor(root, markerName, signal)) === 0;
    const listing = options.includeDescendants ? await client.tree(root, signal) : undefined;
    if (listing?.truncated) logger.warn("the tree listing was cut at the server's limit; later streams start when they get new events", { path: root });
    if (options.includeRoot && options.match(root)) startRunner(root, rootHead);
    for (const stream of listing?.streams ?? []) if (options.match(stream.path)) startRunner(stream.path, stream.lastOffset);
    if (options.includeDescendants) track(discover(rootHead));
    await Promise.all([...runners.values()].map((runner) => runner.caughtUp));
    if (failure) throw failure;
    if (signal.aborted) return;
    if (markerName && firstRun) await client.putCursor(root, markerName, 1, signal);
    logger.info("caught up", { path: root, streams: runners.size });
  }

  async function pendingWork(): Promise<string[]> {
    const heads = new Map<string, number>();
    if (options.includeRoot && options.match(root)) heads.set(root, await client.head(root));
    if (options.includeDescendants) {
      for (const stream of (await client.tree(root)).streams) if (options.match(stream.path)) heads.set(stream.path, stream.lastOffset);
    }
    const pending: string[] = [];
    for (const [path, head] of heads) {
      const runner = runners.get(path);
      if (!runner) pending.push(`${path} not discovered yet`);
      else if (runner.offset() < head) pending.push(`${path} reduced ${runner.offset()} of ${head}`);
      else if (!runner.idle()) pending.push(`${path} has side effects running`);
    }
    return pending;
  }
}

export type TreeRuntime<State> = ReturnType<typeof createTreeRuntime<State>>;
