import { resolveStreamPath, type EventInput, type StoredEvent, type StreamPath } from "@tributary/protocol";
import type { Logger } from "../logger.ts";
import type { CommittedStreamEvents, PreparedEvent, StreamStore } from "../store/stream-store.ts";
import type { BuiltinFactory, BuiltinProcessor, BuiltinServices, BuiltinSettings } from "./builtin-processor.ts";

/** Appends as the server, past the built-in gates. */
export type ServerAppend = (project: string, path: StreamPath, events: PreparedEvent[]) => Promise<StoredEvent[]>;

interface Entry {
  offset: number;
  states: unknown[];
  loading: Promise<void> | undefined;
  /** Events committed while the history was loading; reduced (if newer) and handed to side effects after. */
  pending: StoredEvent[];
  /** Side effects run one after another per stream, in offset order. */
  effects: Promise<void>;
  /** State including appends that passed the gates but are not committed yet (see `reserve`). */
  tentative?: { states: unknown[]; offset: number; inFlight: number };
}

/**
 * Runs the built-in processors for every stream: keeps each stream's built-in state folded from its
 * events (loaded lazily by reading the stream, then kept current from commits), evaluates their gates
 * before client appends, and runs their side effects after commits, one stream's effects in order.
 * A side effect that throws becomes a `stream/error-occurred` event naming the processor and offset.
 *
 * Built-ins given as factories are created here, once per server, with this server's services (store,
 * clock, gated and ungated appends, `wake`); their `start` runs once the server is wired up (to resume
 * schedules and deliveries found in the store) and `close` stops their timers and workers.
 *
 * @example
 * const host = createBuiltinHost({ store, processors: defaultBuiltins, appendAsServer, logger, now: Date.now });
 * store.onCommit(host.onCommit);
 */
export function createBuiltinHost(options: {
  store: StreamStore;
  /** Built-ins, in the order their gates and side effects run; factories get this server's services. */
  processors: (BuiltinProcessor<any> | BuiltinFactory)[];
  appendAsServer: ServerAppend;
  /** A client-like append (gates, then store, serialised per stream); by default the gates, then `appendAsServer`. */
  appendGated?: ServerAppend;
  settings?: BuiltinSettings;
  logger: Logger;
  now: () => number;
}) {
  const { store, logger } = options;
  const entries = new Map<string, Entry>();
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
  const services: BuiltinServices = {
    store,
    logger,
    now: options.now,
    appendAsServer: options.appendAsServer,
    appendGated:
      options.appendGated ??
      (async (project, path, events) => {
        await gate(project, path, events);
        return options.appendAsServer(project, path, events);
      }),
    wake: async (project, path) => {
      await load(project, path);
    },
    reportError: async (project, path, payload) => {
      logger.warn("built-in failed", { project, path, ...payload });
      await options.appendAsServer(project, path, [{ type: "stream/error-occurred", payload }]).catch((error) => {
        logger.error("could not record a built-in failure", { processor: payload.processor, error: String(error) });
      });
    },
  };
  const processors: BuiltinProcessor<any>[] = options.processors.map((entry) =>
    typeof entry === "function" ? entry(services, options.settings ?? {}) : entry,
  );
  let closed = false;
  let active = false;

  function reduceAll(states: unknown[], event: StoredEvent): void {
    processors.forEach((processor, index) => {
      try {
        const next = processor.reduce({ event, state: states[index] });
        if (next !== undefined) states[index] = next;
      } catch (error) {
        // reduce must be total; a throw is a bug in a built-in, so keep the old state and say so.
        logger.error("built-in reduce threw", { processor: processor.slug, offset: event.offset, error: String(error) });
      }
    });
  }

  // One context per stream and built-in, reused for every event: building them (a child logger each) per
  // event showed up in the append path's profile.
  const contexts = new Map<string, ReturnType<typeof buildContext>>();
  function contextFor(project: string, path: StreamPath, processor: BuiltinProcessor<any>) {
    const key = `${project}\u0000${path}\u0000${processor.slug}`;
    let context = contexts.get(key);
    if (!context) contexts.set(key, (context = buildContext(project, path, processor)));
    return context;
  }

  function buildContext(project: string, path: StreamPath, processor: BuiltinProcessor<any>) {
    return {
      project,
      path,
      logger: logger.child({ processor: processor.slug, project, path }),
      now: options.now,
      append: async (input: { event: EventInput; path?: string }) => {
        const target = resolveStreamPath(path, input.path);
        const { type, payload = {}, metadata, idempotencyKey } = input.event;
        const prepared: PreparedEvent = { type, payload };
        if (metadata) prepared.metadata = metadata;
        if (idempotencyKey) prepared.idempotencyKey = idempotencyKey;
        const [stored] = await options.appendAsServer(project, target, [prepared]);
        return stored!;
      },
    };
  }

  async function reportFailure(project: string, path: StreamPath, processor: BuiltinProcessor<any>, event: StoredEvent | undefined, error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error("built-in side effect failed", { processor: processor.slug, project, path, offset: event?.offset, error: message });
    // An error about an error event of the same processor would loop; log it only.
    if (event?.type === "stream/error-occurred" && event.payload.processor === processor.slug) return;
    const payload: Record<string, unknown> = { message, processor: processor.slug };
    if (event) payload.offset = event.offset;
    await options.appendAsServer(project, path, [{ type: "stream/error-occurred", payload }]).catch((appendError) => {
      logger.error("could not record a built-in failure", { processor: processor.slug, error: String(appendError) });
    });
  }

  function runEffects(project: string, path: StreamPath, entry: Entry, event: StoredEvent, states: unknown[]) {
    if (!active) return;
    entry.effects = entry.effects.then(async () => {
      for (const [index, processor] of processors.entries()) {
        if (!processor.afterAppend) continue;
        try {
          await processor.afterAppend({ ...contextFor(project, path, processor), event, state: states[index] });
        } catch (error) {
          await reportFailure(project, path, processor, event, error);
        }
      }
    });
  }

  function apply(project: string, path: StreamPath, entry: Entry, events: StoredEvent[]): void {
    for (const event of events) {
      if (event.offset <= entry.offset) continue;
      if (event.offset !== entry.offset + 1) {
        // A gap means events were committed elsewhere that this process has not seen: reload.
        entries.delete(keyOf(project, path));
        void load(project, path);
        return;
      }
      reduceAll(entry.states, event);
      entry.offset = event.offset;
      runEffects(project, path, entry, event, entry.states.slice());
    }
  }

  function load(project: string, path: StreamPath): Promise<Entry> {
    const key = keyOf(project, path);
    const existing = entries.get(key);
    if (existing) return existing.loading ? existing.loading.then(() => existing) : Promise.resolve(existing);
    const entry: Entry = {
      offset: 0,
      states: processors.map((processor) => structuredClone(processor.initialState)),
      loading: undefined,
      pending: [],
      effects: Promise.resolve(),
    };
    entries.set(key, entry);
    entry.loading = (async () => {
      for (;;) {
        const records = await store.read(project, path, { afterOffset: entry.offset, limit: 5000 });
        for (const record of records) {
          reduceAll(entry.states, JSON.parse(record.json) as StoredEvent);
          entry.offset = record.offset;
        }
        if (records.length < 5000) break;
      }
      entry.loading = undefined;
      const pending = entry.pending;
      entry.pending = [];
      const caughtUpStates = entry.states.slice();
      if (active) entry.effects = entry.effects.then(async () => {
        for (const [index, processor] of processors.entries()) {
          if (!processor.onCaughtUp) continue;
          try {
            await processor.onCaughtUp({ ...contextFor(project, path, processor), state: caughtUpStates[index] });
          } catch (error) {
            await reportFailure(project, path, processor, undefined, error);
          }
        }
      });
      // Events committed during the load: side effects still run for them, in order.
      for (const event of pending) {
        if (event.offset > entry.offset) apply(project, path, entry, [event]);
        else runEffects(project, path, entry, event, entry.states.slice());
      }
    })().catch((error) => {
      entries.delete(key);
      throw error;
    });
    return entry.loading.then(() => entry);
  }

  function judge(project: string, path: StreamPath, events: PreparedEvent[], states: unknown[], offset: number): number {
    const createdAt = new Date(options.now()).toISOString();
    for (const event of events) {
      for (const [index, processor] of processors.entries()) {
        const refusal = processor.beforeAppend?.({ project, path, event, state: states[index], now: options.now });
        if (refusal) throw refusal;
      }
      offset += 1;
      reduceAll(states, { ...event, streamPath: path, offset, createdAt });
    }
    return offset;
  }

  async function gate(project: string, path: StreamPath, events: PreparedEvent[]): Promise<void> {
    const entry = await load(project, path);
    judge(project, path, events, entry.states.slice(), entry.offset);
  }

  /**
   * Gates a client's events against the committed state plus every earlier append that passed the gates
   * but is not committed yet, and counts them in. The caller hands the events to the store, then calls
   * `release(ok)` once the store answered. This lets appends to one stream be gated in order while their
   * commits share one group commit, instead of each waiting for the previous commit.
   * 1. While appends are in flight, gates see their effect (an accepted stream/paused refuses the next).
   * 2. When the last in-flight append settles, the committed state (already updated by then) is the truth.
   * 3. A failed append (offset conflict) drops the tentative state at once, so the gates fall back to the
   *    committed state rather than judge by an event that was never stored.
   */
  async function reserve(project: string, path: StreamPath, events: PreparedEvent[]): Promise<(ok: boolean) => void> {
    const entry = await load(project, path);
    const base = entry.tentative ?? { states: entry.states, offset: entry.offset, inFlight: 0 };
    const states = base.states.slice();
    const offset = judge(project, path, events, states, base.offset);
    const tentative = { states, offset, inFlight: base.inFlight + 1 };
    entry.tentative = tentative;
    return (ok) => {
      const current = entry.tentative;
      if (!current) return;
      current.inFlight -= 1;
      if (current.inFlight <= 0 || !ok) entry.tentative = undefined;
    };
  }

  /**
   * Side effects (afterAppend, onCaughtUp, start) run only while this server is active: always on SQLite,
   * and on the holder of the built-ins lease on PostgreSQL. Gates and state run on every server.
   */
  function activate(): void {
    if (closed || active) return;
    active = true;
    // State loaded while passive never ran onCaughtUp; reload it so every stream catches up as the holder.
    entries.clear();
    for (const processor of processors) {
      if (!processor.start) continue;
      Promise.resolve()
        .then(() => processor.start!())
        .catch((error) => logger.error("a built-in failed to start", { processor: processor.slug, error: String(error) }));
    }
  }

  return {
    /** Feeds committed events to the built-ins; subscribe it to the store. */
    onCommit(batch: CommittedStreamEvents): void {
      const key = keyOf(batch.project, batch.path);
      const events = batch.events.map((committed) => committed.event);
      const entry = entries.get(key);
      if (!entry) {
        void load(batch.project, batch.path).then((loaded) => {
          for (const event of events) runEffects(batch.project, batch.path, loaded, event, loaded.states.slice());
        }, (error) => logger.error("loading built-in state failed", { path: batch.path, error: String(error) }));
        return;
      }
      if (entry.loading) entry.pending.push(...events);
      else apply(batch.project, batch.path, entry, events);
    },

    /** Evaluates every built-in gate for a client's events, in order; throws the first refusal. */
    gate,
    reserve,

    /** Starts the built-ins' side effects on this server (see `activate`). */
    activate,

    /** The built-ins' view of a stream, keyed by processor slug. */
    async describe(project: string, path: StreamPath): Promise<Record<string, unknown>> {
      const entry = await load(project, path);
      const views = await Promise.all(
        processors.map(async (processor, index) => [
          processor.slug,
          processor.describe ? await processor.describe(entry.states[index], { project, path }) : entry.states[index],
        ]),
      );
      return Object.fromEntries(views);
    },

    /** Forgets a deleted stream's state. */
    forget(project: string, path: StreamPath): void {
      entries.delete(keyOf(project, path));
      for (const processor of processors) contexts.delete(`${project}\u0000${path}\u0000${processor.slug}`);
      for (const processor of processors) processor.forget?.(project, path);
    },

    /** Resolves once every side effect queued so far has finished. */
    async settled(): Promise<void> {
      await Promise.all([...entries.values()].map((entry) => entry.effects));
    },

    /** Stops the built-ins' own work (timers, deliveries), then waits for queued side effects. */
    async close(): Promise<void> {
      closed = true;
      await Promise.all(processors.map((processor) => Promise.resolve(processor.close?.()).catch(() => undefined)));
      await Promise.all([...entries.values()].map((entry) => entry.effects));
    },
  };
}

export type BuiltinHost = ReturnType<typeof createBuiltinHost>;
