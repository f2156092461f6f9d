import ivm from "isolated-vm";
import { isolatePrelude, isolateRuntime, sdkShimModule } from "./isolate-runtime.ts";
import type { SandboxLimits } from "./sandbox-limits.ts";
import type { CallResult, FailureKind } from "./sandbox-protocol.ts";

/**
 * What an isolate may ask of the server: appends and fetches and log lines. `call` never rejects: it
 * resolves to the JSON of `{ok: true, value}` or `{ok: false, message}`.
 */
export interface IsolateHost {
  call(kind: "append" | "fetch", request: string, cause: number | undefined): Promise<string>;
  log(level: string, message: string, fields: string | undefined, cause: number | undefined): void;
}

export interface IsolateInstance {
  reduce(events: string[]): Promise<CallResult>;
  onCaughtUp(path: string): Promise<CallResult>;
  afterAppend(event: string): Promise<CallResult>;
  state(): CallResult;
  restore(state: string): CallResult;
  dispose(): void;
}

/** Module evaluation may do more than one call (building tables, say): it gets this many call budgets. */
const loadBudgets = 10;

/**
 * isolated-vm's `timeout` is wall time, and so is its `cpuTime` in effect (the time code ran in the
 * isolate, descheduled or not): on a busy machine a run that uses a millisecond of CPU can take longer than
 * the CPU limit. So the timeout is only the backstop that stops a run which never returns, at this many
 * CPU limits of wall time (at most 10 s, never less than the limit); the limit itself is judged by the
 * thread's CPU time (`process.threadCpuUsage`: the isolate runs on this thread).
 */
export function wallBackstopMs(cpuMs: number): number {
  return Math.max(cpuMs, Math.min(cpuMs * 10, 10_000));
}

/**
 * This thread's CPU time in nanoseconds (~4 µs a read here, so it is read only where it decides). Node
 * before 22.19 / 23.9 has no `threadCpuUsage`: there the sandbox process's CPU time, an upper bound.
 */
const threadNs = (): number => {
  const { user, system } = typeof process.threadCpuUsage === "function" ? process.threadCpuUsage() : process.cpuUsage();
  return (user + system) * 1000;
};

/**
 * One hosted processor in its own V8 isolate (isolated-vm): the module is compiled and evaluated there,
 * with 'tributary' and '@tributary/sdk' resolving to a shim that offers `defineProcessor` and no other
 * import resolving at all.
 *
 * Limits, per call:
 * 1. CPU: every run of code in the isolate happens on this thread (`applySync`, no thread hop): the start
 *    of a call, a reduce, and each continuation after an `await` of the host (a fetch's or an append's
 *    answer), which enters the isolate with that answer. After each run the call's CPU time so far is
 *    checked, and the isolate is disposed when it is over the limit. A run's isolate time (`cpuTime`, ~0.2
 *    µs a read) bounds its CPU time from above, so the thread's CPU clock is read to decide only when the
 *    isolate time would put the call over its limit. A run that never returns is stopped at
 *    `wallBackstopMs`: over the CPU limit if it used that much CPU (a spinning loop), else a wall-time
 *    failure (the machine did not schedule it).
 * 2. Memory: the isolate's heap limit; past it isolated-vm disposes the isolate.
 * 3. Wall time for asynchronous calls: a call still pending after `wallMs` disposes the isolate.
 * After a limit the instance is unusable (`crashed`); the server loads the processor anew.
 */
export async function createIsolateInstance(
  script: string,
  limits: SandboxLimits,
  host: IsolateHost,
): Promise<{ ok: true; instance: IsolateInstance; result: CallResult } | { ok: false; result: CallResult }> {
  const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
  let disposedFor: FailureKind | undefined;
  const dispose = (reason: FailureKind) => {
    disposedFor ??= reason;
    if (!isolate.isDisposed) isolate.dispose();
  };

  const budgetNs = limits.cpuMs * 1e6;
  const backstopMs = wallBackstopMs(limits.cpuMs);
  const isolateNs = () => Number(isolate.cpuTime);
  /**
   * A reading of the thread's CPU clock and the wall clock together, refreshed at the start of a run when it
   * is older than a tenth of the limit, so most runs read no thread clock. A run's CPU time is then at least
   * the thread's CPU time since the reading less the wall time from the reading to the run's start (which
   * bounds what the host did on this thread meanwhile): a bound at most a tenth of the limit too lenient.
   */
  const staleMs = limits.cpuMs / 10;
  let reading = { wallMs: performance.now(), threadNs: threadNs() };
  const readingFor = (startMs: number) => {
    if (startMs - reading.wallMs > staleMs) reading = { wallMs: startMs, threadNs: threadNs() };
    return reading;
  };
  /** The CPU time of a run that started at `startMs` (performance.now()) with the reading `at`, from below. */
  const runCpuNs = (at: { wallMs: number; threadNs: number }, startMs: number) => Math.max(0, threadNs() - at.threadNs - (startMs - at.wallMs) * 1e6);
  const overCpu = (): CallResult & { ok: false } => {
    dispose("cpu");
    return { ok: false, kind: "cpu", message: describe("cpu", limits) };
  };

  /** A failed run's result; `cpuUsed` tells a backstop's stop (wall time) over the CPU limit from one under it. */
  const failure = (error: unknown, fallback: FailureKind = "threw", cpuUsed: () => number = () => Number.POSITIVE_INFINITY): CallResult & { ok: false } => {
    const message = error instanceof Error ? error.message : String(error);
    if (disposedFor) return { ok: false, kind: disposedFor, message: describe(disposedFor, limits) };
    if (/memory limit/i.test(message) || isolate.isDisposed) {
      disposedFor = "memory";
      return { ok: false, kind: "memory", message: describe("memory", limits) };
    }
    if (/Script execution timed out/.test(message)) {
      if (cpuUsed() > budgetNs) return overCpu();
      dispose("wall");
      return {
        ok: false,
        kind: "wall",
        message: `a run of the call's code was stopped after ${backstopMs} ms of wall time, having used less than its CPU time limit of ${limits.cpuMs} ms (the machine did not schedule it)`,
      };
    }
    return { ok: false, kind: fallback, message };
  };

  let api: ivm.Reference<any>;
  let functions: Record<"reduce" | "onCaughtUp" | "afterAppend" | "settle" | "state" | "restore", ivm.Reference<any>>;

  /** The asynchronous calls (afterAppend, onCaughtUp) not settled yet, by id: the runner makes one at a time. */
  const calls = new Map<number, { finish: (result: CallResult) => void; cpuNs: number }>();
  let nextCall = 0;
  /** The call whose code runs in the isolate right now: a host request made now belongs to it. */
  let running: number | undefined;

  /** Ends every unsettled call with this failure (the isolate is gone). */
  const failAll = (result: CallResult) => {
    for (const { finish } of [...calls.values()]) finish(result);
  };

  /**
   * Runs code in the isolate on this thread, under isolated-vm's timeout: the start of a call, or the code
   * that awaited a host answer. A limit hit there ends the calls in progress; so does the call having used
   * more CPU than its limit, counted over all its runs.
   */
  function enter(owner: number | undefined, work: () => void): void {
    const outer = running;
    running = owner;
    const call = owner === undefined ? undefined : calls.get(owner);
    const before = call?.cpuNs ?? 0;
    const startMs = performance.now();
    const at = readingFor(startMs);
    const isolateAt = isolateNs();
    /** The call's CPU time with this run: the run's isolate time, or its thread CPU time where that decides. */
    const used = () => {
      const run = isolateNs() - isolateAt;
      return before + (before + run <= budgetNs ? run : Math.min(run, runCpuNs(at, startMs)));
    };
    try {
      work();
    } catch (error) {
      failAll(failure(error, "threw", used));
      return;
    } finally {
      running = outer;
    }
    if (!call || isolate.isDisposed) return;
    call.cpuNs = used();
    if (call.cpuNs > budgetNs) failAll(overCpu());
  }

  /** A host request from the isolate (an append or a fetch): sent now; its answer re-enters the isolate. */
  function request(kind: "append" | "fetch", body: string, cause: number | undefined, id: number): void {
    const owner = running;
    void host.call(kind, body, cause).then((answer) => {
      if (disposedFor || isolate.isDisposed) return;
      enter(owner, () => functions.settle.applySync(undefined, [id, answer], { timeout: backstopMs, arguments: { copy: true } }));
    });
  }
  let info: { slug: string; hasAfterAppend: boolean; hasOnCaughtUp: boolean };
  try {
    const context = await isolate.createContext();
    await context.eval(isolatePrelude);
    const module = await isolate.compileModule(script, { filename: "file:///processor.js" });
    let shim: ivm.Module | undefined;
    await module.instantiate(context, async (specifier) => {
      if (specifier === "tributary" || specifier === "@tributary/sdk") {
        if (!shim) {
          shim = await isolate.compileModule(sdkShimModule, { filename: "file:///tributary.js" });
          await shim.instantiate(context, () => {
            throw new Error("the shim imports nothing");
          });
          await shim.evaluate();
        }
        return shim;
      }
      throw new Error(`a hosted processor cannot import '${specifier}': bundle the module with its dependencies ('tributary deploy' does)`);
    });
    await module.evaluate({ timeout: limits.cpuMs * loadBudgets });
    api = await context.evalClosure(
      isolateRuntime,
      [
        module.namespace.derefInto(),
        new ivm.Reference(request),
        new ivm.Reference((call: number, ok: boolean, message: string) => calls.get(call)?.finish(ok ? { ok: true } : { ok: false, kind: "threw", message })),
        new ivm.Callback((level: string, message: string, fields: string | undefined, cause: number | undefined) => host.log(level, message, fields, cause), {
          ignored: true,
        }),
      ],
      { result: { reference: true }, timeout: limits.cpuMs * loadBudgets },
    );
    functions = {
      reduce: await api.get("reduce", { reference: true }),
      onCaughtUp: await api.get("onCaughtUp", { reference: true }),
      afterAppend: await api.get("afterAppend", { reference: true }),
      settle: await api.get("settle", { reference: true }),
      state: await api.get("state", { reference: true }),
      restore: await api.get("restore", { reference: true }),
    };
    info = {
      slug: await api.get("slug"),
      hasAfterAppend: await api.get("hasAfterAppend"),
      hasOnCaughtUp: await api.get("hasOnCaughtUp"),
    };
  } catch (error) {
    const result = failure(error, "load");
    dispose(result.kind);
    return { ok: false, result };
  }

  /**
   * Runs one asynchronous call: it starts synchronously in the isolate and settles when the isolate says
   * so (`hostDone`), a limit is hit, or `wallMs` passes.
   */
  function callAsync(fn: ivm.Reference<any>, argument: string): Promise<CallResult> {
    if (disposedFor) return Promise.resolve({ ok: false, kind: "crashed", message: "the processor's isolate was stopped" });
    const id = ++nextCall;
    return new Promise<CallResult>((resolve) => {
      const wall = setTimeout(() => {
        dispose("wall");
        failAll({ ok: false, kind: "wall", message: describe("wall", limits) });
      }, limits.wallMs);
      calls.set(id, {
        cpuNs: 0,
        finish: (result) => {
          if (!calls.delete(id)) return;
          clearTimeout(wall);
          resolve(result);
        },
      });
      enter(id, () => fn.applySync(undefined, [argument, id], { timeout: backstopMs, arguments: { copy: true } }));
    });
  }

  /** Runs one synchronous call, judged by the CPU time it used. */
  function callSync(run: () => CallResult): CallResult {
    if (disposedFor) return { ok: false, kind: "crashed", message: "the processor's isolate was stopped" };
    const startMs = performance.now();
    const at = readingFor(startMs);
    const isolateAt = isolateNs();
    const used = () => (isolateNs() - isolateAt <= budgetNs ? 0 : runCpuNs(at, startMs));
    try {
      const result = run();
      return used() > budgetNs ? overCpu() : result;
    } catch (error) {
      return failure(error, "threw", used);
    }
  }

  const instance: IsolateInstance = {
    async reduce(events) {
      if (disposedFor) return { ok: false, kind: "crashed", message: "the processor's isolate was stopped", index: 0 };
      let since = Date.now();
      // Per event only the isolate's clock is read. The thread's is read at the start of each slice, and
      // for an event whose isolate time is over the limit: the slice's thread CPU time less the earlier
      // events' isolate time (which bounds their CPU time from above) is then that event's.
      let threadAt = threadNs();
      let sliceAt = isolateNs();
      let isolateAt = sliceAt;
      const used = (eventAt: number) => threadNs() - threadAt - (eventAt - sliceAt);
      for (const [index, event] of events.entries()) {
        // A long history is reduced in slices, so this process's heartbeat keeps going out.
        if (Date.now() - since > 50) {
          await new Promise((resolve) => setImmediate(resolve));
          since = Date.now();
          if (disposedFor) return { ok: false, kind: "crashed", message: "the processor's isolate was stopped", index };
          threadAt = threadNs();
          sliceAt = isolateAt = isolateNs();
        }
        const eventAt = isolateAt;
        try {
          functions.reduce.applySync(undefined, [event], { timeout: backstopMs, arguments: { copy: true } });
        } catch (error) {
          return { ...failure(error, "threw", () => used(eventAt)), index };
        }
        isolateAt = isolateNs();
        if (isolateAt - eventAt > budgetNs && used(eventAt) > budgetNs) return { ...overCpu(), index };
      }
      return { ok: true };
    },
    onCaughtUp: (path) => callAsync(functions.onCaughtUp, path),
    afterAppend: (event) => callAsync(functions.afterAppend, event),
    state: () => callSync(() => ({ ok: true, value: functions.state.applySync(undefined, [], { timeout: backstopMs }) as string })),
    restore: (state) =>
      callSync(() => {
        functions.restore.applySync(undefined, [state], { timeout: backstopMs, arguments: { copy: true } });
        return { ok: true };
      }),
    dispose: () => {
      dispose("crashed");
      // A call in progress ends now, as a call whose isolate was stopped.
      failAll({ ok: false, kind: "crashed", message: describe("crashed", limits) });
    },
  };
  return { ok: true, instance, result: { ok: true, ...info } };
}

function describe(kind: FailureKind, limits: SandboxLimits): string {
  if (kind === "cpu") return `the call used more than its CPU time limit of ${limits.cpuMs} ms`;
  if (kind === "memory") return `the processor allocated more than its memory limit of ${limits.memoryMb} MB`;
  if (kind === "wall") return `the call took longer than its wall time limit of ${limits.wallMs} ms`;
  return "the processor's isolate was stopped";
}
