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

/**
 * Runs the built-ins' side effects after commits: `afterAppend` for every folded event and `onCaughtUp`
 * once a stream's history is folded, one stream's effects one after another in offset order, and only
 * while the runner is active (on the holder of the built-ins lease); work queued before a `deactivate`
 * does not start after it.
 * 1. A side effect that throws becomes a `stream/error-occurred` event naming the built-in and the offset
 *    (never one about the built-in's own error event: that would loop; see `failureReport`).
 * 2. Streams with nothing queued hold no memory here: a stream's queue is dropped once it drains.
 *
 * @example
 * const runner = createEffectRunner({ builtins, appender, logger, now });
 * states.listen(runner);
 * runner.activate();
 */
export function createEffectRunner(options: { builtins: readonly EffectsOf[]; appender: Appender; logger: Logger; now: () => number }) {
  const { builtins, appender, logger, now } = options;
  const queues = new Map<string, Promise<void>>();
  // One context per stream and built-in, reused across events (a child logger each showed up in the
  // append path's profile); bounded like the state cache.
  const contexts = new LRUCache<string, ReturnType<typeof buildContext>>({ max: 10_000 });
  let active = false;

  function buildContext(project: string, path: StreamPath, slug: string) {
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

  function contextFor(project: string, path: StreamPath, slug: string) {
    const key = `${project}\u0000${path}\u0000${slug}`;
    let context = contexts.get(key);
    if (!context) contexts.set(key, (context = buildContext(project, path, slug)));
    return context;
  }

  // The built-ins with an `afterAppend`, with their index in the host's order (the others are skipped per event).
  const withAfterAppend = builtins.flatMap(({ slug, effects }, index) => (effects.afterAppend ? [{ slug, effects, index }] : []));

  /**
   * Every built-in's `afterAppend` for one event, in order, from the `from`th. One that returns no
   * promise is not awaited, and when none does, nothing is returned: no promise per event.
   */
  function afterAppend(
    project: string,
    path: StreamPath,
    event: StoredEvent,
    states: unknown[],
    contexts: ReturnType<typeof contextFor>[],
    from = 0,
  ): Promise<void> | undefined {
    for (let at = from; at < withAfterAppend.length; at++) {
      if (!active) return undefined;
      const { slug, effects, index } = withAfterAppend[at]!;
      const rest = () => afterAppend(project, path, event, states, contexts, at + 1);
      try {
        const done = effects.afterAppend!({ ...contexts[at]!, event, state: states[index] });
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

  function enqueue(project: string, path: StreamPath, work: () => Promise<void>): void {
    const key = `${project}\u0000${path}`;
    const drop = () => {
      if (queues.get(key) === next) queues.delete(key);
    };
    const next: Promise<void> = (queues.get(key) ?? Promise.resolve()).then(work).then(drop, (error: unknown) => {
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
      enqueue(project, path, async () => {
        if (open.get(key) === run) open.delete(key);
        // The contexts looked up once per run (a look-up per event and built-in showed in a batch's profile).
        const contexts = withAfterAppend.map(({ slug }) => contextFor(project, path, slug));
        for (const item of run) {
          const done = afterAppend(project, path, item.event, item.states, contexts);
          if (done !== undefined) await done;
        }
      });
    },
    caughtUp(project, path, states) {
      if (!active) return;
      // Events folded after this run after it.
      open.delete(`${project}\u0000${path}`);
      enqueue(project, path, async () => {
        for (const [index, { slug, effects }] of builtins.entries()) {
          if (!active) return;
          if (!effects.onCaughtUp) continue;
          try {
            await effects.onCaughtUp({ ...contextFor(project, path, slug), state: states[index] });
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
      for (const { slug } of builtins) contexts.delete(`${project}\u0000${path}\u0000${slug}`);
    },
    /** Resolves once every side effect queued so far has finished. */
    async settled(): Promise<void> {
      await Promise.all([...queues.values()]);
    },
  };
}

export type EffectRunner = ReturnType<typeof createEffectRunner>;
