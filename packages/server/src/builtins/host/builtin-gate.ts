import { guardedReduce, type StreamPath } from "@tributary/protocol";
import type { Gate } from "../../append/gate.ts";
import type { Logger } from "../../logger.ts";
import type { PreparedEvent } from "../../store/event-log.ts";
import type { MarkStore } from "../../store/mark-store.ts";
import type { Builtin } from "../builtin-processor.ts";
import { quotaSettings, type QuotaSettings } from "../shared/quota.ts";
import type { BuiltinStates } from "./builtin-states.ts";

/** The event of the last append reserved on a stream, judged but not folded yet (see 6). */
interface Unfolded {
  event: PreparedEvent;
  offset: number;
  /** The gate's clock when it was reserved: its `createdAt` in the tentative state. */
  at: number;
}

interface Tentative {
  /** Every built-in's state as the gates see it before `unfolded`: this tentative's own array, never the committed one. */
  states: unknown[];
  unfolded: Unfolded | undefined;
  /** The offset of the last event reserved. */
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
 * 4. A built-in whose gate counts the whole project (`gateSeesProject`, the quotas) gets its state on every
 *    other stream of the project marked for its namespace, each as the gate sees it (in-flight appends
 *    included). Two first configurations racing on two streams (or two servers) can both pass: a quota
 *    per project is exact on one stream, and may be overrun by the appends racing on others.
 * 6. The gate folds an event only when a gate must judge something after it before it is committed: the
 *    next event of the same append, an append that arrives while it is in flight, or another stream's
 *    project-wide gate (4). An append that is alone in flight (a client appending one event at a time) is
 *    judged and never folded here: the committed fold (builtin-states.ts) is its only fold. Only the
 *    built-ins the gate asks (those with `gate`, `gateSeesProject` or `admitFork`) are folded; the other
 *    entries of a tentative state stay as they were committed and are never read.
 *
 * @example
 * const appender = createAppender({ log: store, gate: createBuiltinGate({ states, builtins, marks: store, logger, now }) });
 */
export function createBuiltinGate(options: {
  states: BuiltinStates;
  builtins: readonly Builtin<any>[];
  /** Where the gate finds a project's other streams for `gateSeesProject`; without it, none are counted. */
  marks?: MarkStore;
  quotas?: Partial<QuotaSettings>;
  logger: Logger;
  now: () => number;
}): Gate {
  const { states, builtins, logger, now, marks } = options;
  const quotas = quotaSettings(options.quotas);
  // Only streams with appends in flight have an entry, so this map is as large as the appends in flight.
  const tentatives = new Map<string, Tentative>();
  // The built-ins that have a gate, with their index; the others are only folded.
  const gated = builtins.flatMap((builtin, index) => (builtin.gate ? [{ gate: builtin.gate.bind(builtin), index }] : []));
  // The built-ins whose tentative state the gate reads (6): its own gates, and the project-wide ones of 4 and 5.
  const asked = builtins.flatMap((builtin, index) => (builtin.gate || builtin.gateSeesProject || builtin.admitFork ? [{ builtin, index }] : []));
  const noProjectStates: (readonly unknown[] | undefined)[] = builtins.map(() => undefined);
  // The built-ins whose gate may ask for the project's other streams (4): looked at per append, so found once here.
  const projectWide = builtins.filter((builtin) => builtin.resumes && builtin.gateSeesProject);

  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;

  // The createdAt of the last time folded (one per reserved append, not per event of a batch).
  let isoAt = Number.NaN;
  let iso = "";

  /** Folds `unfolded` into `states`: in place when `owned`, else into a copy (`states` may be shared). */
  function foldIn(states: unknown[], owned: boolean, path: StreamPath, unfolded: Unfolded): unknown[] {
    const next = owned ? states : states.slice();
    const { event, offset, at } = unfolded;
    if (at !== isoAt) {
      isoAt = at;
      iso = new Date(at).toISOString();
    }
    const stored = { ...event, streamPath: path, offset, createdAt: iso };
    for (const { builtin, index } of asked) {
      next[index] = guardedReduce(builtin.reduce, next[index], stored, (error) =>
        logger.error("built-in reduce threw", { processor: builtin.slug, offset, error: String(error) }),
      );
    }
    return next;
  }

  /** A tentative state with everything reserved folded in (for a gate of another stream, see 4). */
  function statesOf(path: StreamPath, tentative: Tentative): unknown[] {
    if (tentative.unfolded) {
      tentative.states = foldIn(tentative.states, false, path, tentative.unfolded);
      tentative.unfolded = undefined;
    }
    return tentative.states;
  }

  /**
   * Judges `events` after `base` (the stream's tentative state, or the committed one) and returns the
   * tentative state they leave; throws the first refusal, leaving `base` as it was.
   */
  function judge(project: string, path: StreamPath, events: PreparedEvent[], base: Tentative, projectWide: (readonly unknown[] | undefined)[]): Tentative {
    const at = now();
    let { states: current, unfolded, offset } = base;
    // Whether `current` is this call's own copy (folded in place from the second event of a batch on).
    let owned = false;
    for (const event of events) {
      if (unfolded) {
        current = foldIn(current, owned, path, unfolded);
        owned = true;
      }
      for (const { gate, index } of gated) {
        const projectStates = projectWide[index];
        const state = current[index];
        const refusal = gate(projectStates ? { project, path, event, state, now, quotas, projectStates } : { project, path, event, state, now, quotas });
        if (refusal) throw refusal;
      }
      offset += 1;
      unfolded = { event, offset, at };
    }
    return { states: current, unfolded, offset, inFlight: base.inFlight + 1 };
  }

  /** Each built-in's state on the project's other marked streams, for the built-ins that asked (see 4). */
  async function projectStatesFor(project: string, path: StreamPath, wants: (builtin: Builtin<any>) => boolean): Promise<(readonly unknown[] | undefined)[]> {
    return Promise.all(
      builtins.map(async (builtin, index) => {
        if (!marks || !builtin.resumes || !wants(builtin)) return undefined;
        const others = (await marks.listMarkedStreams(builtin.resumes)).filter((stream) => stream.project === project && stream.path !== path);
        const loaded = await Promise.all(others.map(async (stream) => (await states.load(stream.project, stream.path)).states[index]));
        // An append in flight on another stream counts too (it is read after the loads, with no await between).
        return others.map((stream, at) => {
          const tentative = tentatives.get(keyOf(stream.project, stream.path));
          return tentative ? statesOf(stream.path, tentative)[index] : loaded[at];
        });
      }),
    );
  }

  return {
    // 5. A fork: the copies are folded into fresh states, and each built-in with `admitFork` judges what
    //    they would bring into the project.
    async admitFork(project, path, events) {
      if (!builtins.some((builtin) => builtin.admitFork)) return;
      const folded = builtins.map((builtin) => structuredClone(builtin.initialState));
      let offset = 0;
      const createdAt = new Date(now()).toISOString();
      for await (const event of events) {
        offset += 1;
        const stored = { createdAt, ...event, streamPath: path, offset };
        builtins.forEach((builtin, index) => {
          folded[index] = guardedReduce(builtin.reduce, folded[index], stored, () => undefined);
        });
      }
      const others = await projectStatesFor(project, path, (builtin) => builtin.admitFork !== undefined);
      for (const [index, builtin] of builtins.entries()) {
        const refusal = builtin.admitFork?.({ project, path, state: folded[index], quotas, projectStates: others[index] ?? [] });
        if (refusal) throw refusal;
      }
    },

    async reserve(project, path, events) {
      const key = keyOf(project, path);
      const wants = (builtin: Builtin<any>) => events.some((event) => builtin.gateSeesProject?.(event));
      // Most appends configure nothing a project-wide gate counts: no other stream is looked at.
      const others = marks && projectWide.some(wants) ? await projectStatesFor(project, path, wants) : noProjectStates;
      // A held stream's state without waiting for a promise (most appends); a stream not held is loaded.
      const committed = states.held(project, path) ?? (await states.load(project, path));
      // A copy: the committed array is folded in place as commits land (it may include this append by the time it is read again).
      const base = tentatives.get(key) ?? { states: committed.states.slice(), unfolded: undefined, offset: committed.offset, inFlight: 0 };
      tentatives.set(key, judge(project, path, events, base, others));
      return (ok) => {
        const current = tentatives.get(key);
        if (!current) return;
        current.inFlight -= 1;
        if (current.inFlight <= 0 || !ok) tentatives.delete(key);
      };
    },
  };
}
