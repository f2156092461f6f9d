import type { ServerParts } from "../../context.ts";
import { createSerialByKey } from "../../serial-by-key.ts";

/** The project a byte stream of `project` is stored in: a name the event API refuses, so no event route, tree, UI or built-in reaches it. */
export function shadowProjectOf(project: string): string {
  return `${project}~ds`;
}

export function isShadowProject(project: string): boolean {
  return project.endsWith("~ds");
}

/** A wait for a stream to change: resolves `true` on a change, `false` on timeout or abort. */
export interface ChangeWait {
  promise: Promise<boolean>;
  cancel(): void;
}

/**
 * The Durable Streams face's per-server state.
 * 1. Mutations of one DS stream (create, append, close, delete, TTL touches) run one at a time, in
 *    arrival order, so metadata read-modify-write never races on this server (§5.2.1 "serialize
 *    validation + append per producer"). Several servers on one PostgreSQL database do not share this
 *    order; see docs/durable-streams.md.
 * 2. Live readers (long-poll, SSE) wait on `onCommit` for their stream, and on closes and deletes made
 *    through this server.
 */
function createFace(parts: ServerParts) {
  const serialise = createSerialByKey();
  const waiters = new Map<string, Set<() => void>>();

  const wake = (key: string) => {
    const set = waiters.get(key);
    if (!set) return;
    waiters.delete(key);
    for (const resolve of set) resolve();
  };
  parts.store.onCommit(
    (batch) => wake(streamKey(batch.project, batch.path)),
    (project, path) => waiters.has(streamKey(project, path)),
  );

  return {
    serialise,

    /** Starts waiting for a change of a stream; register before checking the tail so no commit slips between. */
    waitForChange(key: string, timeoutMs: number, signal?: AbortSignal): ChangeWait {
      let done: (changed: boolean) => void = () => undefined;
      const promise = new Promise<boolean>((resolve) => (done = resolve));
      const onChange = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      timer.unref();
      function finish(changed: boolean) {
        clearTimeout(timer);
        waiters.get(key)?.delete(onChange);
        signal?.removeEventListener("abort", onAbort);
        done(changed);
      }
      let set = waiters.get(key);
      if (!set) waiters.set(key, (set = new Set()));
      set.add(onChange);
      signal?.addEventListener("abort", onAbort);
      return { promise, cancel: () => finish(false) };
    },

    /** Wakes a stream's live readers (a close or delete, which commits no event). */
    notify(project: string, path: string): void {
      wake(streamKey(project, path));
    },

    longPollMs: parts.limits.longPollMs,
  };
}

export type DurableStreamsFace = ReturnType<typeof createFace>;

export function streamKey(project: string, path: string): string {
  return `${project}\u0000${path}`;
}

const faces = new WeakMap<ServerParts, DurableStreamsFace>();

/** The face of a server, created on its first DS request. */
export function faceOf(parts: ServerParts): DurableStreamsFace {
  let face = faces.get(parts);
  if (!face) faces.set(parts, (face = createFace(parts)));
  return face;
}
