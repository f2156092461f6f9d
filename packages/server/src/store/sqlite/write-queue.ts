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
 * one transaction on the next turn: a unit that throws is rolled back alone and its promise rejects; the
 * others commit together (see `commit`: savepoints only once a unit has failed). Promises resolve only after COMMIT and
 * after the commit listeners have run, so an acknowledged append is already on disk and already fanned out.
 */
export function createWriteQueue(options: { db: DatabaseSync; onCommit: (batches: CommittedStreamEvents[]) => void; onRollback: () => void }) {
  const { db } = options;
  // Prepared once: parsing these on every commit was a visible share of the append path.
  const sql = {
    begin: db.prepare("BEGIN IMMEDIATE"),
    commit: db.prepare("COMMIT"),
    savepoint: db.prepare("SAVEPOINT unit"),
    release: db.prepare("RELEASE unit"),
    rollbackTo: db.prepare("ROLLBACK TO unit"),
  };
  let pending: Pending[] = [];
  let scheduled = false;

  function flush() {
    scheduled = false;
    const units = pending;
    pending = [];
    commit(units, false);
  }

  /**
   * Runs `units` in one transaction and commits it. Without savepoints first (they cost two statements
   * per unit, and a unit rarely fails): when a unit throws, the whole transaction is rolled back and
   * undone, that unit is rejected, and the others run again, each in its own savepoint this time (so a
   * run of failing units costs at most twice the work, never a retry per failure).
   */
  function commit(units: Pending[], savepoints: boolean): void {
    const batches = new Map<string, CommittedStreamEvents>();
    const outcomes: { unit: Pending; ok: boolean; value: unknown }[] = [];
    // Every unit's undos, for a rollback of the whole transaction (applied last unit first).
    const allUndos: (() => void)[][] = [];
    sql.begin.run();
    for (const [index, unit] of units.entries()) {
      const announced: [string, string, { event: StoredEvent; json: string }][] = [];
      const undos: (() => void)[] = [];
      allUndos.push(undos);
      const tx: Transaction = {
        announce: (project, path, committed) => announced.push([project, path, committed]),
        onUndo: (undo) => undos.push(undo),
      };
      if (savepoints) sql.savepoint.run();
      try {
        const value = unit.work(tx);
        if (savepoints) sql.release.run();
        for (const [project, path, committed] of announced) {
          const key = `${project}\u0000${path}`;
          let batch = batches.get(key);
          if (!batch) batches.set(key, (batch = { project, path, events: [] }));
          batch.events.push(committed);
        }
        outcomes.push({ unit, ok: true, value });
      } catch (error) {
        if (!savepoints) {
          db.exec("ROLLBACK");
          for (const list of allUndos.reverse()) for (const undo of list.reverse()) undo();
          unit.reject(error);
          const others = units.filter((_, at) => at !== index);
          if (others.length > 0) commit(others, true);
          return;
        }
        sql.rollbackTo.run();
        sql.release.run();
        for (const undo of undos.reverse()) undo();
        allUndos.pop();
        outcomes.push({ unit, ok: false, value: error });
      }
    }
    try {
      sql.commit.run();
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
