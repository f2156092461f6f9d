import type { AppendRequest, AppendResult } from "../stream-store.ts";

/** At most this many events go into one batch statement. */
const maxBatchEvents = 1000;
/** The next batch waits for this share of the appends in play in the last cycle (below, 3)… */
const fillShare = 0.9;
/** …for at most this long (default). */
const defaultFillWaitMs = 2;

interface Job {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** A batch on its way: its results in request order, `undefined` where the request must be appended alone. */
export interface SentBatch {
  results: Promise<(AppendResult | undefined)[]>;
}

/**
 * This server's write queue on PostgreSQL, like SQLite's: appends that arrive while a write is under way
 * wait, and then go to the database together.
 *
 * 1. Writes happen in call order: a run of plain requests as one batch statement (batch-append.ts: one
 *    round trip, one commit; a run of one too, where its own transaction would take six), any other
 *    request alone in its own transaction, once every batch before it has settled.
 * 2. By default one batch is in flight: the appends arriving while it commits wait here and go together in
 *    the next, which on a quiet machine gives larger batches per WAL flush and more appends/s. With
 *    `maxInFlight: 2` a batch is sent while the one before it is still committing (`sendBatch(requests,
 *    behind)`, on the same connection, so PostgreSQL runs them in the order sent): the next batch starts as
 *    soon as the previous one has committed, without waiting for this process to read that answer and send
 *    it, which hides a slow link's round trip or a busy event loop. Results are settled in order.
 * 3. With nothing in flight, the next batch waits until the queue holds about as many appends as were in
 *    play in the cycle that just ended (the batch just answered and the appends that waited for it, 90% of
 *    them), or for at most `fillWaitMs` (2 ms): the clients just answered come back with their next append,
 *    and on one stream each batch costs a WAL flush while the stream's row stays locked, so a batch that
 *    takes them all does more per flush than one cut before they are back (docs/scaling.md: 32 clients on
 *    one stream, 18 → 34 appends per flush, about +20% appends/s). A lone client (a batch of one, nothing
 *    waiting) never waits; nor does the first batch after a quiet spell.
 * 4. A batch that fails for a reason other than the database being away is retried one request at a time,
 *    so one bad request fails alone; a request the batch could not place (its stream was deleted
 *    elsewhere) is appended alone as well. A batch sent behind one that failed fails too (the sender
 *    guarantees it: batch-append.ts's guard), so its requests are retried after the earlier ones, and
 *    commits keep call order.
 * 5. While the database is away, every waiting request fails fast with `storage_unavailable`.
 */
export function createGroupCommit(options: {
  isBatchable: (request: AppendRequest) => boolean;
  appendAlone: (request: AppendRequest) => Promise<AppendResult>;
  /** Sends a batch at once, behind `behind` (the last batch sent, while it is unsettled). */
  sendBatch: (requests: AppendRequest[], behind: SentBatch | undefined) => SentBatch;
  /** Batches sent and not yet settled, at most (default 1; 2: one committing, the next waiting behind it in PostgreSQL). */
  maxInFlight?: 1 | 2;
  /** How long the next batch may wait for the clients just answered (3 above; default 2 ms; 0: it never waits). */
  fillWaitMs?: number;
}) {
  const maxInFlight = options.maxInFlight ?? 1;
  const fillWaitMs = options.fillWaitMs ?? defaultFillWaitMs;
  /** While set, the next batch waits until this many appends are queued, or `fillTimer` fires. */
  let fillTarget = 0;
  let fillTimer: NodeJS.Timeout | undefined;
  let pending: Job[] = [];
  let scheduled = false;
  /** Settles batches and runs lone requests, in call order. */
  let settled: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let last: SentBatch | undefined;
  let alone = false;

  async function runAlone(job: Job): Promise<void> {
    await options.appendAlone(job.request).then(job.resolve, job.reject);
  }

  async function settle(jobs: Job[], sent: SentBatch): Promise<void> {
    let results: (AppendResult | undefined)[];
    try {
      results = await sent.results;
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

  /** Sends what may be sent now: batches while fewer than `maxInFlight` are in flight; a lone request once none is. */
  function pump(): void {
    while (pending.length > 0 && !alone) {
      if (!options.isBatchable(pending[0]!.request)) {
        if (inFlight > 0) return;
        const job = pending.shift()!;
        alone = true;
        settled = settled
          .then(() => runAlone(job))
          .finally(() => {
            alone = false;
            pump();
          });
        return;
      }
      if (inFlight >= maxInFlight) return;
      if (inFlight === 0 && pending.length < fillTarget) return;
      stopFilling();
      let events = 0;
      let taken = 0;
      while (
        taken < pending.length &&
        options.isBatchable(pending[taken]!.request) &&
        (taken === 0 || events + pending[taken]!.request.events.length <= maxBatchEvents)
      ) {
        events += pending[taken]!.request.events.length;
        taken += 1;
      }
      const jobs = pending.slice(0, taken);
      pending = pending.slice(taken);
      let sent: SentBatch;
      try {
        sent = options.sendBatch(
          jobs.map((job) => job.request),
          last,
        );
      } catch (error) {
        sent = { results: Promise.reject(error) };
      }
      // Settled in turn below; until then its failure must not count as unhandled.
      sent.results.catch(() => undefined);
      last = sent;
      inFlight += 1;
      settled = settled
        .then(() => settle(jobs, sent))
        .finally(() => {
          inFlight -= 1;
          if (last === sent) last = undefined;
          if (inFlight === 0) fillFor(jobs.length);
          pump();
        });
    }
  }

  /** After a batch of `answered` settled with nothing else in flight: wait for about as many appends as were in play. */
  function fillFor(answered: number): void {
    stopFilling();
    const target = Math.floor((answered + pending.length) * fillShare);
    if (fillWaitMs <= 0 || pending.length >= target) return;
    fillTarget = target;
    fillTimer = setTimeout(() => {
      fillTimer = undefined;
      fillTarget = 0;
      pump();
    }, fillWaitMs);
  }

  function stopFilling(): void {
    fillTarget = 0;
    if (fillTimer) clearTimeout(fillTimer);
    fillTimer = undefined;
  }

  return {
    append(request: AppendRequest): Promise<AppendResult> {
      return new Promise<AppendResult>((resolve, reject) => {
        pending.push({ request, resolve, reject });
        // Starting on the next turn lets the appends of one turn share one batch.
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            pump();
          });
        }
      });
    },
  };
}
