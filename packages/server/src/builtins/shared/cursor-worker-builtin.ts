import type { StoredEvent, StreamPath, TributaryError } from "@tributary/protocol";
import type { PreparedEvent } from "../../store/event-log.ts";
import type { Builtin, BuiltinPorts, BuiltinSettings } from "../builtin-processor.ts";
import { unknownSlug } from "../../append/invalid-payload.ts";
import { checkQuota, type Counted, type Quota, type QuotaSettings } from "./quota.ts";
import { createSlugWorkers, type SlugEntry, type SlugWorker } from "./slug-workers.ts";

/** What a cursor worker built-in's state has: its configured slugs, and the offset of the last configuration event. */
export interface SlugState<Entry> {
  lastConfigOffset: number;
  entries: Record<string, Entry>;
}

/** The ports a cursor worker built-in's workers may use. */
export type CursorWorkerPorts = Pick<BuiltinPorts, "appender" | "events" | "cursors" | "marks" | "secrets" | "logger" | "now" | "reportError" | "holdsLease">;

/**
 * The shape webhooks and transformers share: `<namespace>/configured {slug, …}` starts one cursor worker
 * per slug on the stream (consumer `<namespace>:<slug>`), `<namespace>/removed {slug}` stops it, and
 * every new event wakes the stream's workers.
 *
 * 1. The gate checks a configuration (`validate`), then that a new slug fits the `quota` per stream and per
 *    project, and refuses removing a slug the stream does not have.
 * 2. Workers follow the folded state: started for new slugs, handed changed configurations, stopped for
 *    removed ones; when no slug is left, the stream's mark is removed, so a restart does not load it.
 * 3. Marked streams (`resumes`) are loaded when the server becomes active, so workers resume from their
 *    saved cursors without anyone touching the stream.
 *
 * @example
 * export const transformers = cursorWorkerBuiltin({ slug: "transformers", namespace: "transformer", … });
 */
export function cursorWorkerBuiltin<State, Entry extends SlugEntry, Worker extends SlugWorker & { position(): number }>(spec: {
  slug: string;
  namespace: "subscription" | "transformer";
  initialState: State;
  reduce(state: State, event: StoredEvent): State;
  slugs(state: State): SlugState<Entry>;
  /** Checks a `<namespace>/configured` payload; the refusal, or undefined to accept. */
  validate(event: PreparedEvent): TributaryError | undefined;
  /** What a new slug counts against: the quota's name and flag, and where the server's limit is. */
  quota?: { counted: Counted; of(quotas: QuotaSettings): Quota };
  /** Runs once per server: returns how to start one slug's worker (`config` always gives its current configuration). */
  workers(ports: CursorWorkerPorts, settings: BuiltinSettings): (project: string, path: StreamPath, config: () => Entry) => Worker;
  /** How `GET /api/state` shows one slug; `cursor` is how far its worker got. */
  describeEntry(entry: Entry, worker: Worker | undefined, cursor: number): unknown;
  /** The key of the list in `GET /api/state` (`subscriptions`, `transformers`). */
  describeAs: string;
}): Builtin<State> {
  const { namespace, quota } = spec;
  const countIn = (states: readonly State[] | undefined) => (states ?? []).reduce((sum, other) => sum + Object.keys(spec.slugs(other).entries).length, 0);
  const configured = `${namespace}/configured`;
  const removed = `${namespace}/removed`;
  return {
    slug: spec.slug,
    initialState: spec.initialState,
    reduce: ({ event, state }) => spec.reduce(state, event),
    gate: ({ event, state, path, project, quotas, projectStates }) => {
      if (event.type === configured) {
        const invalid = spec.validate(event);
        const { entries } = spec.slugs(state);
        if (invalid || !spec.quota || entries[String(event.payload.slug)]) return invalid;
        const onStream = Object.keys(entries).length;
        return checkQuota(spec.quota.counted, spec.quota.of(quotas), { project, path, onStream, inProject: onStream + countIn(projectStates) });
      }
      if (event.type === removed) {
        const slug = String(event.payload.slug);
        const { entries } = spec.slugs(state);
        if (entries[slug]) return undefined;
        return unknownSlug(event.type, namespace, slug, path, Object.keys(entries));
      }
      return undefined;
    },
    ...(quota
      ? {
          gateSeesProject: (event: PreparedEvent) => event.type === configured,
          admitFork: ({
            state,
            project,
            path,
            quotas,
            projectStates,
          }: {
            state: State;
            project: string;
            path: StreamPath;
            quotas: QuotaSettings;
            projectStates: readonly State[];
          }) =>
            checkQuota(quota.counted, quota.of(quotas), {
              project,
              path,
              onStream: 0,
              inProject: countIn(projectStates),
              forked: Object.keys(spec.slugs(state).entries).length,
            }),
        }
      : {}),
    resumes: namespace,
    effects: (ports: CursorWorkerPorts, settings) => {
      const workers = createSlugWorkers<Entry, Worker>(spec.workers(ports, settings));
      const sync = (project: string, path: StreamPath, state: State) => {
        const { entries, lastConfigOffset } = spec.slugs(state);
        const list = Object.values(entries);
        workers.sync(project, path, list);
        if (list.length === 0 && lastConfigOffset > 0) {
          // Nothing left to run: the stream need not be loaded on the next start (unless a newer <namespace>/* came).
          void ports.marks.unmarkStream(project, path, namespace, lastConfigOffset).catch(() => undefined);
        }
      };
      return {
        afterAppend: ({ project, path, event, state }) => {
          if (event.type === configured || event.type === removed) sync(project, path, state);
          workers.wakeAll(project, path);
        },
        onCaughtUp: ({ project, path, state }) => {
          sync(project, path, state);
          workers.wakeAll(project, path);
        },
        describe: async (state, { project, path }) => ({
          [spec.describeAs]: await Promise.all(
            Object.values(spec.slugs(state).entries).map(async (entry) => {
              const running = workers.get(project, path, entry.slug);
              const saved = await ports.cursors.getCursor(project, path, `${namespace}:${entry.slug}`);
              return spec.describeEntry(entry, running, Math.max(running?.position() ?? 0, saved ?? 0, entry.startAfter));
            }),
          ),
        }),
        forget: (project, path) => workers.forget(project, path),
        close: () => workers.close(),
      };
    },
  };
}
