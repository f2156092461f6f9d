import { guardedReduce, type StreamPath } from "@tributary/protocol";
import type { Gate } from "../../append/gate.ts";
import type { Logger } from "../../logger.ts";
import type { PreparedEvent } from "../../store/event-log.ts";
import type { Builtin } from "../builtin-processor.ts";
import type { BuiltinStates } from "./builtin-states.ts";

interface Tentative {
  states: unknown[];
  offset: number;
  inFlight: number;
}

/**
 * The built-ins' gates as the appender's `Gate`: every built-in's `gate` judges each event of a client's
 * append, in order, against the committed state plus every earlier append that passed but is not
 * committed yet. This lets appends to one stream be gated in order while their commits share one group
 * commit, instead of each waiting for the previous commit.
 * 1. While appends are in flight, gates see their effect (an accepted stream/paused refuses the next).
 * 2. When the last in-flight append settles, the committed state (already updated by then) is the truth.
 * 3. A failed append (offset conflict) drops the tentative state at once, so the gates fall back to the
 *    committed state rather than judge by an event that was never stored.
 *
 * @example
 * const appender = createAppender({ log: store, gate: createBuiltinGate({ states, builtins, logger, now }) });
 */
export function createBuiltinGate(options: { states: BuiltinStates; builtins: readonly Builtin<any>[]; logger: Logger; now: () => number }): Gate {
  const { states, builtins, logger, now } = options;
  // Only streams with appends in flight have an entry, so this map is as large as the appends in flight.
  const tentatives = new Map<string, Tentative>();

  function judge(project: string, path: StreamPath, events: PreparedEvent[], current: unknown[], offset: number): number {
    const createdAt = new Date(now()).toISOString();
    for (const event of events) {
      for (const [index, builtin] of builtins.entries()) {
        const refusal = builtin.gate?.({ project, path, event, state: current[index], now });
        if (refusal) throw refusal;
      }
      offset += 1;
      const stored = { ...event, streamPath: path, offset, createdAt };
      builtins.forEach((builtin, index) => {
        current[index] = guardedReduce(builtin.reduce, current[index], stored, (error) =>
          logger.error("built-in reduce threw", { processor: builtin.slug, offset, error: String(error) }),
        );
      });
    }
    return offset;
  }

  return {
    async reserve(project, path, events) {
      const key = `${project}\u0000${path}`;
      const committed = await states.load(project, path);
      const base = tentatives.get(key) ?? { states: committed.states, offset: committed.offset, inFlight: 0 };
      const next = base.states.slice();
      const offset = judge(project, path, events, next, base.offset);
      const tentative = { states: next, offset, inFlight: base.inFlight + 1 };
      tentatives.set(key, tentative);
      return (ok) => {
        const current = tentatives.get(key);
        if (!current) return;
        current.inFlight -= 1;
        if (current.inFlight <= 0 || !ok) tentatives.delete(key);
      };
    },
  };
}
