import type { AppendRequest, AppendResult } from "../stream-store.ts";

/** At most this many events go into one batch statement. */
const maxBatchEvents = 1000;

interface Job {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * This server's write queue on PostgreSQL, like SQLite's: appends that arrive while a write is under way
 * wait, and then go to the database together.
 *
 * 1. One write at a time per server, in call order: a run of plain requests as one batch statement
 *    (batch-append.ts: one round trip, one commit; a run of one too, where its own transaction would take
 *    six), any other request alone in its own transaction.
 *    So commits happen in call order, and the appender need not wait for each commit of a stream.
 * 2. A batch that fails for a reason other than the database being away is retried one request at a time,
 *    so one bad request fails alone; a request the batch could not place (its stream was deleted
 *    elsewhere) is appended alone as well.
 * 3. While the database is away, every waiting request fails fast with `storage_unavailable`.
 */
export function createGroupCommit(options: {
  isBatchable: (request: AppendRequest) => boolean;
  appendAlone: (request: AppendRequest) => Promise<AppendResult>;
  /** Results in request order; `undefined` where the request must be appended alone. */
  appendBatch: (requests: AppendRequest[]) => Promise<(AppendResult | undefined)[]>;
}) {
  let pending: Job[] = [];
  let draining = false;

  async function runAlone(job: Job): Promise<void> {
    await options.appendAlone(job.request).then(job.resolve, job.reject);
  }

  async function runBatch(jobs: Job[]): Promise<void> {
    let results: (AppendResult | undefined)[];
    try {
      results = await options.appendBatch(jobs.map((job) => job.request));
    } catch (error) {
      if ((error as { code?: string }).code === "storage_unavailable") {
        for (const job of jobs) job.reject(error);
        return;
      }
      for (const job of jobs) await runAlone(job);
      return;
    }
    for (const [index, job] of jobs.entries()) {
      const result = results[index];
      if (result) job.resolve(result);
      else await runAlone(job);
    }
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (pending.length > 0) {
        let events = 0;
        let taken = 0;
        while (taken < pending.length && (taken === 0 || events + pending[taken]!.request.events.length <= maxBatchEvents)) {
          events += pending[taken]!.request.events.length;
          taken += 1;
        }
        const jobs = pending.slice(0, taken);
        pending = pending.slice(taken);
        for (let i = 0; i < jobs.length;) {
          const run: Job[] = [];
          while (i < jobs.length && options.isBatchable(jobs[i]!.request)) run.push(jobs[i++]!);
          if (run.length > 0) await runBatch(run);
          if (i < jobs.length) await runAlone(jobs[i++]!);
        }
      }
    } finally {
      draining = false;
    }
  }

  return {
    append(request: AppendRequest): Promise<AppendResult> {
      return new Promise<AppendResult>((resolve, reject) => {
        pending.push({ request, resolve, reject });
        // Starting on the next turn lets the appends of one turn share the first write.
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
    },
  };
}
