import type { DatabaseSync } from "node:sqlite";
import type { StoredEvent } from "@tributary/protocol";
import type { CommittedStreamEvents } from "../stream-store.ts";

/** What a unit of work sees inside a group commit. */
export interface Transaction {
  /** Registers an event to announce to `onCommit` listeners once the transaction commits. */
  announce(project: string, path: string, committed: { event: StoredEvent; json: string }): void;
  /** Registers a function that undoes in-memory changes if this unit of work is rolled back. */
  onUndo(undo: () => void): void;
}

interface Pending {
  work: (tx: Transaction) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for a synchronous SQLite handle. Units of work queued during one event-loop turn run in
 * one transaction on the next turn, each inside its own savepoint: a unit that throws is rolled back
 * alone and its promise rejects; the others commit together. Promises resolve only after COMMIT and
 * after the commit listeners have run, so an acknowledged append is already on disk and already fanned out.
 */
export function createWriteQueue(options: {
  db: DatabaseSync;
  onCommit: (batches: CommittedStreamEvents[]) => void;
  onRollback: () => void;
}) {
  const { db } = options;
  let pending: Pending[] = [];
  let scheduled = false;

  function flush() {
    scheduled = false;
    const units = pending;
    pending = [];
    const batches = new Map<string, CommittedStreamEvents>();
    const outcomes: { unit: Pending; ok: boolean; value: unknown }[] = [];
    db.exec("BEGIN IMMEDIATE");
    for (const unit of units) {
      const announced: [string, string, { event: StoredEvent; json: string }][] = [];
      const undos: (() => void)[] = [];
      const tx: Transaction = {
        announce: (project, path, committed) => announced.push([project, path, committed]),
        onUndo: (undo) => undos.push(undo),
      };
      db.exec("SAVEPOINT unit");
      try {
        const value = unit.work(tx);
        db.exec("RELEASE unit");
        for (const [project, path, committed] of announced) {
          const key = `${project}\u0000${path}`;
          let batch = batches.get(key);
          if (!batch) batches.set(key, (batch = { project, path, events: [] }));
          batch.events.push(committed);
        }
        outcomes.push({ unit, ok: true, value });
      } catch (error) {
        db.exec("ROLLBACK TO unit");
        db.exec("RELEASE unit");
        for (const undo of undos.reverse()) undo();
        outcomes.push({ unit, ok: false, value: error });
      }
    }
    try {
      db.exec("COMMIT");
    } catch (error) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // The transaction may already be gone; the in-memory cache is reset below either way.
      }
      options.onRollback();
      for (const unit of units) unit.reject(error);
      return;
    }
    options.onCommit([...batches.values()]);
    for (const outcome of outcomes) (outcome.ok ? outcome.unit.resolve : outcome.unit.reject)(outcome.value);
  }

  return {
    run<T>(work: (tx: Transaction) => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    /** Resolves when every queued unit has been committed or rejected. */
    drain(): Promise<void> {
      // A flush is scheduled with setImmediate; an immediate queued now runs after it.
      return scheduled ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve();
    },
  };
}
