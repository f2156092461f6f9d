import { Worker } from "node:worker_threads";

/** How long one evaluation may run before its worker is terminated (JSONata's own limit, 1 s, comes first where it can). */
export const hardLimitMs = 3000;
const poolSize = 2;
const workerUrl = new URL(`./jsonata-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

interface Job {
  source: string;
  input: unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded JSONata; until then it takes no job. */
  ready: boolean;
  job?: Job & { id: number; timer: ReturnType<typeof setTimeout> };
}

const queue: Job[] = [];
const slots: Slot[] = [];
let nextId = 1;

function spawn(): Slot {
  const worker = new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 } });
  const slot: Slot = { worker, ready: false };
  worker.on("message", (message: { ready?: true; id: number; ok: boolean; value?: unknown; error?: { message: string; position?: number; code?: string } }) => {
    if (message.ready) {
      slot.ready = true;
      dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    if (message.ok) job.resolve(message.value);
    else job.reject(Object.assign(new Error(message.error!.message), { position: message.error!.position, code: message.error!.code }));
    dispatch();
  });
  worker.on("error", (error) => replace(slot, new Error(`the expression was stopped: ${error.message}`)));
  worker.on("exit", () => replace(slot, new Error("the expression was stopped")));
  return slot;
}

/** Drops a worker that failed or was terminated, fails its job, and starts a fresh one. */
function replace(slot: Slot, error: Error): void {
  const index = slots.indexOf(slot);
  if (index < 0) return;
  slots.splice(index, 1);
  const job = slot.job;
  slot.job = undefined;
  if (job) {
    clearTimeout(job.timer);
    job.reject(error);
  }
  void slot.worker.terminate();
  if (!slot.ready) {
    // It never started: fail what waits rather than start workers in a loop; the next evaluation tries again.
    for (const waiting of queue.splice(0)) waiting.reject(error);
    return;
  }
  dispatch();
}

function dispatch(): void {
  while (queue.length > 0) {
    const slot = slots.find((candidate) => candidate.ready && candidate.job === undefined);
    if (!slot && slots.length < poolSize) slots.push(spawn());
    if (!slot) return;
    const job = queue.shift()!;
    const id = nextId++;
    const running = slot;
    const timer = setTimeout(() => replace(running, new Error(`the expression ran longer than ${hardLimitMs / 1000} s and was stopped`)), hardLimitMs);
    running.job = { ...job, id, timer };
    running.worker.ref();
    running.worker.postMessage({ id, source: job.source, input: job.input });
  }
  for (const slot of slots) if (slot.ready && slot.job === undefined) slot.worker.unref();
}

/**
 * Evaluates a JSONata expression that came from an event (a transformer's matcher or transform, a
 * subscription's filter) in a worker thread, with a hard time limit:
 * 1. The server's event loop never runs user expressions, so a catastrophic regex (`/^(a+)+$/`) or a
 *    runaway recursion cannot stall appends, reads or other streams.
 * 2. An evaluation past `hardLimitMs` (counted from when a loaded worker takes it) has its worker terminated (the only way to stop a native regex)
 *    and rejects; a fresh worker takes the next one. Memory is capped per worker too.
 * 3. Two workers serve the whole process, in arrival order.
 *
 * @example
 * await evaluateInWorker("payload.n * 2", { payload: { n: 21 } }); // 42
 */
export function evaluateInWorker(source: string, input: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    queue.push({ source, input, resolve, reject });
    dispatch();
  });
}
