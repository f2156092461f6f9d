// An interruptible slow job: `job-requested` starts long work in afterAppend; a newer `job-requested`
// on the same stream interrupts it (its `signal` aborts), and the interrupted job says so in an event.
//
//   npx tributary run examples/slow-job/slow-job.ts --path /jobs
//   npx tributary append /jobs '{"type":"job-requested","payload":{"steps":60}}'
//   npx tributary append /jobs '{"type":"job-requested","payload":{"steps":2}}'   # cancels the first
import { setTimeout } from "node:timers/promises";
import { defineProcessor, InterruptedError } from "tributary";

export default defineProcessor(() => ({
  slug: "slow-job",
  initialState: { requested: 0, completed: 0, cancelled: 0 },
  reduce: ({ event, state }) => {
    if (event.type === "job-requested") return { ...state, requested: state.requested + 1 };
    if (event.type === "job-completed") return { ...state, completed: state.completed + 1 };
    if (event.type === "job-cancelled") return { ...state, cancelled: state.cancelled + 1 };
    return undefined;
  },
  // Side effects run one at a time (the default); a new request interrupts the running one.
  interrupts: ({ event }) => event.type === "job-requested",
  afterAppend: async ({ event, append, signal }) => {
    if (event.type !== "job-requested") return;
    const steps = typeof event.payload.steps === "number" ? event.payload.steps : 5;
    const stepMs = typeof event.payload.stepMs === "number" ? event.payload.stepMs : 1000;
    const job = event.offset;
    await append({ event: { type: "job-started", payload: { job, steps } } });
    try {
      for (let step = 1; step <= steps; step++) {
        await setTimeout(stepMs, undefined, { signal });
        await append({ event: { type: "job-progressed", payload: { job, step, of: steps } } });
      }
      await append({ event: { type: "job-completed", payload: { job } } });
    } catch (error) {
      if (!signal.aborted) throw error;
      const by = signal.reason instanceof InterruptedError ? signal.reason.by.offset : undefined;
      await append({ event: { type: "job-cancelled", payload: { job, ...(by ? { by } : { reason: "runtime stopped" }) } } });
    }
  },
}));
