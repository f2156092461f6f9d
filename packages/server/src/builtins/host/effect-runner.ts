import { failureReport, resolveStreamPath, type EventInput, type StoredEvent, type StreamPath } from "@tributary/protocol";
import { LRUCache } from "lru-cache";
import type { Appender } from "../../append/appender.ts";
import type { Logger } from "../../logger.ts";
import type { PreparedEvent } from "../../store/event-log.ts";
import type { BuiltinEffects } from "../builtin-processor.ts";
import type { StatesListener } from "./builtin-states.ts";

/** A built-in's slug and its side effects, in the host's order. */
export interface EffectsOf {
  slug: string;
  effects: BuiltinEffects<any>;
}

/** What a built-in's side effect is called with, besides the event or state: one per stream and built-in. */
interface Context {
  project: string;
  path: StreamPath;
  logger: Logger;
  now: () => number;
  append: (input: { event: EventInput; path?: string }) => Promise<StoredEvent>;
}

/**
 * Runs the built-ins' side effects after commits: `afterAppend` for every folded event and `onCaughtUp`
 * once a stream's history is folded, one stream's effects one after another in offset order, and only
 * while the runner is active (on the holder of the built-ins lease); work queued before a `deactivate`
 * does not start after it.
 * 1. A side effect that throws becomes a `stream/error-occurred` event naming the built-in and the offset
 *    (never one about the built-in's own error event: that would loop; see `failureReport`).
 * 2. Streams with nothing queued hold no memory here: a stream's queue is dropped once it drains.
 * 3. A stream's side effects start after the task that committed its events has run its microtasks, so
 *    the appends' answers (written on those microtasks) go out before the side effects run, and the
 *    side effects still run before the event loop reads another request: an append a side effect makes
 *    (the breaker's `stream/paused`) is queued where it was when the side effects ran first.
 *
 * @example
 * const runner = createEffectRunner({ builtins, appender, logger, now });
 * states.listen(runner);
 * runner.activate();
 */
export function createEffectRunner(options: { builtins: readonly EffectsOf[]; appender: Appender; logger: Logger; now: () => number }) {
  const { builtins, appender, logger, now } = options;
  const queues = new Map<string, Promise<void>>();
  // Resolves once the current task has run its microtasks (see 3): a microtask that queues a tick runs
  // in this task's microtask checkpoint, and Node runs the ticks queued there after the checkpoint, before
  // the event loop moves on. One promise per task, shared by every stream's work queued in it.
  let taskDone: Promise<void> | undefined;
  const afterTask = (): Promise<void> =>
    (taskDone ??= new Promise<void>((resolve) => {
      queueMicrotask(() =>
        process.nextTick(() => {
          taskDone = undefined;
          resolve();
        }),
      );
    }));
  // One context per stream and built-in, reused across events (a child logger each showed up in the
  // append path's profile), held per stream in the host's order and built on first use: one look-up per
  // run of events instead of one per built-in. Bounded at about 10,000 contexts.
  const contexts = new LRUCache<string, Context[]>({ max: Math.max(1, Math.ceil(10_000 / Math.max(1, builtins.length))) });
  let active = false;

  function buildContext(project: string, path: StreamPath, slug: string): Context {
    return {
      project,
      path,
      logger: logger.child({ processor: slug, project, path }),
      now,
      append: async (input: { event: EventInput; path?: string }) => {
        const target = resolveStreamPath(path, input.path);
        const { type, payload = {}, metadata, idempotencyKey } = input.event;
        const prepared: PreparedEvent = { type, payload, appendedBy: { kind: "processor", slug } };
        if (metadata) prepared.metadata = metadata;
        if (idempotencyKey) prepared.idempotencyKey = idempotencyKey;
        const [stored] = await appender.appendAsServer(project, target, [prepared]);
        return stored!;
      },
    };
  }

  /** The stream's contexts, one slot per built-in (`key` is the stream's `project\0path`). */
  function contextsOf(key: string): Context[] {
    let held = contexts.get(key);
    if (!held) contexts.set(key, (held = new Array<Context>(builtins.length)));
    return held;
  }

  function contextFor(key: string, project: string, path: StreamPath, index: number): Context {
    const held = contextsOf(key);
    return (held[index] ??= buildContext(project, path, builtins[index]!.slug));
  }

  // The built-ins with an `afterAppend`, with their index in the host's order (the others are skipped per event).
  const withAfterAppend = builtins.flatMap(({ slug, effects }, index) => (effects.afterAppend ? [{ slug, effects, index }] : []));

  /**
   * Every built-in's `afterAppend` for one event, in order, from the `from`th. One that returns no
   * promise is not awaited, and when none does, nothing is returned: no promise per event.
   */
  function afterAppend(project: string, path: StreamPath, event: StoredEvent, states: unknown[], contexts: Context[], from = 0): Promise<void> | undefined {
    for (let at = from; at < withAfterAppend.length; at++) {
      if (!active) return undefined;
      const { slug, effects, index } = withAfterAppend[at]!;
      const rest = () => afterAppend(project, path, event, states, contexts, at + 1);
      try {
        const done = effects.afterAppend!({ ...(contexts[index] ??= buildContext(project, path, slug)), event, state: states[index] });
        if (done) return done.then(rest, (error: unknown) => reportFailure(project, path, slug, event, error).then(rest));
      } catch (error) {
        return reportFailure(project, path, slug, event, error).then(rest);
      }
    }
    return undefined;
  }

  async function reportFailure(project: string, path: StreamPath, slug: string, event: StoredEvent | undefined, error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error("built-in side effect failed", { processor: slug, project, path, offset: event?.offset, error: message });
    const payload = failureReport(slug, error, event);
    if (!payload) return;
    await appender.appendAsServer(project, path, [{ type: "stream/error-occurred", payload }]).catch((appendError: unknown) => {
      logger.error("could not record a built-in failure", { processor: slug, error: String(appendError) });
    });
  }

  /** Queues `work` after the stream's earlier work; a `work` that returns nothing finished when it returned. */
  function enqueue(key: string, project: string, path: StreamPath, work: () => Promise<void> | undefined): void {
    const drop = () => {
      if (queues.get(key) === next) queues.delete(key);
    };
    const next: Promise<void> = (queues.get(key) ?? afterTask()).then(work).then(drop, (error: unknown) => {
      logger.error("a built-in side effect could not run", { project, path, error: String(error) });
      drop();
    });
    queues.set(key, next);
  }

  // Per stream, the run of events queued last that has not started yet: events folded meanwhile (a
  // batch's, or a group commit's) join it, so a batch of 100 is one queued task instead of 100.
  const open = new Map<string, { event: StoredEvent; states: unknown[] }[]>();

  const listener: StatesListener = {
    event(project, path, event, states) {
      if (!active) return;
      const key = `${project}\u0000${path}`;
      const joined = open.get(key);
      if (joined) {
        joined.push({ event, states });
        return;
      }
      const run = [{ event, states }];
      open.set(key, run);
      enqueue(key, project, path, () => {
        if (open.get(key) === run) open.delete(key);
        // The contexts looked up once per run (a look-up per event and built-in showed in a batch's profile).
        const contexts = contextsOf(key);
        // The run's events from `from` on; a promise only when a side effect returned one.
        const from = (start: number): Promise<void> | undefined => {
          for (let at = start; at < run.length; at++) {
            const done = afterAppend(project, path, run[at]!.event, run[at]!.states, contexts);
            if (done !== undefined) return done.then(() => from(at + 1));
          }
          return undefined;
        };
        return from(0);
      });
    },
    caughtUp(project, path, states) {
      if (!active) return;
      // Events folded after this run after it.
      const key = `${project}\u0000${path}`;
      open.delete(key);
      enqueue(key, project, path, async () => {
        for (const [index, { slug, effects }] of builtins.entries()) {
          if (!active) return;
          if (!effects.onCaughtUp) continue;
          try {
            await effects.onCaughtUp({ ...contextFor(key, project, path, index), state: states[index] });
          } catch (error) {
            await reportFailure(project, path, slug, undefined, error);
          }
        }
      });
    },
  };

  return {
    ...listener,
    /** Records a failure as `stream/error-occurred` (what built-ins' `reportError` port does). */
    async reportError(project: string, path: StreamPath, payload: { message: string; processor: string; [field: string]: unknown }): Promise<void> {
      logger.warn("built-in failed", { project, path, ...payload });
      await appender.appendAsServer(project, path, [{ type: "stream/error-occurred", payload }]).catch((error: unknown) => {
        logger.error("could not record a built-in failure", { processor: payload.processor, error: String(error) });
      });
    },
    activate(): void {
      active = true;
    },
    deactivate(): void {
      active = false;
    },
    forget(project: string, path: StreamPath): void {
      contexts.delete(`${project}\u0000${path}`);
    },
    /** Resolves once every side effect queued so far has finished. */
    async settled(): Promise<void> {
      await Promise.all([...queues.values()]);
    },
  };
}

export type EffectRunner = ReturnType<typeof createEffectRunner>;
