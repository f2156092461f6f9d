import type { StreamPath } from "@tributary/protocol";
import type { Appender } from "../append/appender.ts";
import type { Logger } from "../logger.ts";
import type { Builtin, BuiltinPorts, BuiltinSettings } from "./builtin-processor.ts";
import type { BuiltinStates } from "./host/builtin-states.ts";
import { createEffectRunner, type EffectsOf } from "./host/effect-runner.ts";

/**
 * The built-ins' lifecycle on one server, built after the appender: creates each built-in's side effects
 * with the ports it uses, runs them after commits (the effect runner hears the state cache), and starts
 * and stops them.
 *
 * 1. Side effects (afterAppend, onCaughtUp, start) run only while the server is active: always on SQLite,
 *    and on the holder of the built-ins lease on PostgreSQL. Gates and state run on every server. A server
 *    that loses the lease (`deactivate`) stops them and can become active again later.
 * 2. On activation, every stream marked for a built-in's `resumes` namespace is loaded (written once
 *    here for every built-in), so schedules, deliveries and transforms resume after a restart.
 *
 * @example
 * const host = createBuiltinHost({ builtins, states, appender, ports: { events: store, cursors: store, marks: store, secrets: store }, logger, now });
 * host.activate();
 */
export function createBuiltinHost(options: {
  builtins: readonly Builtin<any>[];
  states: BuiltinStates;
  appender: Appender;
  ports: Pick<BuiltinPorts, "events" | "cursors" | "marks" | "secrets">;
  settings?: BuiltinSettings;
  logger: Logger;
  now: () => number;
  /** Whether this server may act under the built-ins lease right now (checked before an unfenceable effect). */
  holdsLease?: () => boolean;
}) {
  const { builtins, states, appender, logger, now } = options;
  const ports: BuiltinPorts = {
    ...options.ports,
    appender,
    logger,
    now,
    holdsLease: options.holdsLease ?? (() => true),
    wake: async (project, path) => {
      await states.load(project, path);
    },
    reportError: (project, path, payload) => runner.reportError(project, path, payload),
  };
  // Made anew when the server stops acting (see `deactivate`), so the built-ins can start again later.
  function createEffects() {
    const effects: EffectsOf[] = builtins.map((builtin) => ({ slug: builtin.slug, effects: builtin.effects?.(ports, options.settings ?? {}) ?? {} }));
    const runner = createEffectRunner({ builtins: effects, appender, logger, now });
    states.listen(runner);
    return { effects, runner };
  }
  let { effects, runner } = createEffects();
  let closed = false;
  let active = false;

  async function stopEffects(): Promise<void> {
    runner.deactivate();
    await Promise.all(effects.map(({ effects: effect }) => Promise.resolve(effect.close?.()).catch(() => undefined)));
  }

  async function resume(builtin: Builtin<any>): Promise<void> {
    if (!builtin.resumes) return;
    for (const { project, path } of await options.ports.marks.listMarkedStreams(builtin.resumes)) {
      if (closed) return;
      await states
        .load(project, path)
        .catch((error: unknown) => logger.error("could not resume a stream's built-in", { processor: builtin.slug, project, path, error: String(error) }));
    }
  }

  return {
    /** Starts the built-ins' side effects on this server (see 1 and 2 above). */
    activate(): void {
      if (closed || active) return;
      active = true;
      runner.activate();
      // State loaded while passive never ran onCaughtUp; drop it so every stream catches up as the holder.
      states.clear();
      const current = effects;
      for (const [index, builtin] of builtins.entries()) {
        Promise.resolve()
          .then(async () => {
            if (current !== effects) return;
            await current[index]!.effects.start?.();
            if (current === effects) await resume(builtin);
          })
          .catch((error: unknown) => logger.error("a built-in failed to start", { processor: builtin.slug, error: String(error) }));
      }
    },

    /**
     * Stops the side effects (the lease was lost) but keeps gates and state working: the built-ins' timers
     * and workers stop, and fresh ones take their place, so a later `activate` starts them anew.
     */
    async deactivate(): Promise<void> {
      if (closed || !active) return;
      active = false;
      const stopping = stopEffects();
      ({ effects, runner } = createEffects());
      await stopping;
    },

    /** The built-ins' view of a stream, keyed by slug. */
    async describe(project: string, path: StreamPath): Promise<Record<string, unknown>> {
      const loaded = await states.load(project, path);
      const views = await Promise.all(
        effects.map(async ({ slug, effects: effect }, index) => [
          slug,
          effect.describe ? await effect.describe(loaded.states[index], { project, path }) : loaded.states[index],
        ]),
      );
      return Object.fromEntries(views);
    },

    /** Forgets a deleted stream's state and stops what runs for it. */
    forget(project: string, path: StreamPath): void {
      states.forget(project, path);
      runner.forget(project, path);
      for (const { effects: effect } of effects) effect.forget?.(project, path);
    },

    /** Resolves once every side effect queued so far has finished. */
    settled: () => runner.settled(),

    /** Stops the built-ins' own work (timers, deliveries), then waits for queued side effects. */
    async close(): Promise<void> {
      closed = true;
      await stopEffects();
      await runner.settled();
    },
  };
}

export type BuiltinHost = ReturnType<typeof createBuiltinHost>;
