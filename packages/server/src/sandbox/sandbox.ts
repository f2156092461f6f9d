import { fork, type ChildProcess } from "node:child_process";
import type { Logger } from "../logger.ts";
import { defaultSandboxLimits, type SandboxLimits } from "./sandbox-limits.ts";
import type { CallResult, FromSandbox, ToSandbox } from "./sandbox-protocol.ts";

/** What the server answers a hosted processor's requests with; a throw becomes the processor's error. */
export interface SandboxCalls {
  /** `tag`: what the call this request is made in was given (see `SandboxedProcessor`), if anything. */
  append(request: { event: unknown; path?: unknown }, cause: number | undefined, tag: number | undefined): Promise<unknown>;
  fetch(request: unknown, tag: number | undefined): Promise<unknown>;
  log(level: string, message: string, fields: string | undefined, cause: number | undefined): void;
}

/**
 * One loaded hosted processor. Every call resolves (never rejects) with what happened. A processor's calls
 * run one after another in the order they were made, so the next may be made before the last has settled;
 * the appends and fetches a call makes reach `SandboxCalls` with the `tag` it was made with.
 */
export interface SandboxedProcessor {
  readonly slug: string;
  readonly hasAfterAppend: boolean;
  readonly hasOnCaughtUp: boolean;
  /** Reduces events (stored JSON), in order, inside the isolate; on a failure `index` names the event. */
  reduce(events: string[]): Promise<CallResult>;
  onCaughtUp(path: string, tag?: number): Promise<CallResult>;
  afterAppend(event: string, tag?: number): Promise<CallResult>;
  /** `reduce([event])`, then `afterAppend(event)` if it succeeded, in one round trip; a reduce failure says `inReduce`. */
  reduceThenAfterAppend(event: string, tag?: number): Promise<CallResult>;
  /** The processor's state, as JSON. */
  state(): Promise<CallResult>;
  /** Replaces the processor's state with `state` (JSON: a snapshot's). */
  restore(state: string): Promise<CallResult>;
  dispose(): void;
}

export interface Sandbox {
  /** Compiles and evaluates a module in a fresh isolate; a module that cannot load resolves `ok: false`. */
  load(script: string, calls: SandboxCalls): Promise<{ ok: true; processor: SandboxedProcessor } | { ok: false; result: CallResult & { ok: false } }>;
  readonly limits: SandboxLimits;
  close(): Promise<void>;
}

/** How long the sandbox process may go without a heartbeat while calls wait on it before it is killed. */
const stallMs = 15_000;
/** How long a new sandbox process may take to start (loading isolated-vm on a busy machine). */
const startupMs = 60_000;

/**
 * The sandbox of one server: a child process (sandbox-child.ts) that runs every hosted processor in its
 * own isolated-vm isolate, started on first use. The server never runs a hosted processor's code itself,
 * so a runaway script costs that process a CPU, never the server's event loop.
 *
 * 1. Per call, the CPU time, memory and wall-time limits are enforced in the sandbox process (see
 *    isolate-instance.ts); a call that hits one resolves with `ok: false` and the limit's kind.
 * 2. The sandbox process sends a heartbeat every second. One that stops (an isolate that ignored its
 *    termination inside a synchronous call) while calls wait on it is killed; every call in flight then
 *    resolves `crashed`, and the next `load` starts a new process. Processors loaded in the old process
 *    answer `restarted` from then on: their owners load them again.
 *
 * @example
 * const sandbox = createSandbox({ logger });
 * const loaded = await sandbox.load(script, calls);
 * if (loaded.ok) await loaded.processor.reduce([eventJson]);
 */
export function createSandbox(options: { logger: Logger; limits?: Partial<SandboxLimits> }): Sandbox {
  const limits: SandboxLimits = { ...defaultSandboxLimits, ...options.limits };
  const { logger } = options;
  type Child = { process: ChildProcess; generation: number; lastSign: number };
  let child: Child | undefined;
  let generation = 0;
  let nextId = 0;
  let nextInstance = 0;
  let closed = false;
  const waiting = new Map<number, { resolve: (result: CallResult) => void; generation: number; tag: number | undefined }>();
  const instances = new Map<number, SandboxCalls>();

  const watchdog = setInterval(() => {
    if (!child || child.process.exitCode !== null) return;
    const target = child;
    const busy = [...waiting.values()].some((entry) => entry.generation === target.generation);
    if (busy && Date.now() - target.lastSign > stallMs) {
      logger.error("the sandbox process stopped answering; killing it", { silentForMs: Date.now() - target.lastSign });
      target.process.kill("SIGKILL");
    }
  }, 1000);
  watchdog.unref();

  function spawn(): Child {
    // From the sources in this repository, or from the built package's JavaScript.
    const entry = new URL(import.meta.url.endsWith(".ts") ? "./sandbox-child.ts" : "./sandbox-child.js", import.meta.url);
    const process_ = fork(entry, [], {
      // See sandbox-child.ts for why the optimising compiler is off there.
      execArgv: ["--no-opt", "--disable-warning=ExperimentalWarning"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "json",
    });
    const started: Child = { process: process_, generation: ++generation, lastSign: Date.now() + startupMs };
    process_.on("message", (message: FromSandbox) => {
      // The start-up grace ends with the first message (isolated-vm is loaded); from then on heartbeats count.
      started.lastSign = Date.now();
      onMessage(started.generation, message);
    });
    process_.on("exit", (code, signal) => {
      if (child?.generation === started.generation) child = undefined;
      if (!closed) logger.warn("the sandbox process exited", { code, signal });
      for (const [id, entry] of waiting) {
        if (entry.generation !== started.generation) continue;
        waiting.delete(id);
        entry.resolve({ ok: false, kind: "crashed", message: "the sandbox process stopped (a processor would not stop at its limits)" });
      }
    });
    process_.on("error", (error) => logger.error("the sandbox process failed", { error: String(error) }));
    return started;
  }

  function onMessage(from: number, message: FromSandbox): void {
    if (message.type === "alive") return;
    if (message.type === "reply") {
      const entry = waiting.get(message.id);
      if (!entry) return;
      waiting.delete(message.id);
      entry.resolve(message.result);
      return;
    }
    const calls = instances.get(message.instance);
    if (message.type === "log") {
      calls?.log(message.level, message.message, message.fields, message.cause);
      return;
    }
    const reply = (answer: ToSandbox) => {
      if (child?.generation === from) child.process.send(answer);
    };
    if (!calls) {
      reply({ op: "hostReply", call: message.call, ok: false, message: "the processor was removed" });
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(message.request);
    } catch {
      reply({ op: "hostReply", call: message.call, ok: false, message: "the request is not JSON" });
      return;
    }
    const tag = message.of === undefined ? undefined : waiting.get(message.of)?.tag;
    const answer = message.kind === "append" ? calls.append(request as { event: unknown }, message.cause, tag) : calls.fetch(request, tag);
    answer.then(
      (value) => reply({ op: "hostReply", call: message.call, ok: true, value }),
      (error) => reply({ op: "hostReply", call: message.call, ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  }

  function request(message: ToSandbox & { id: number }, target: Child | undefined, tag?: number): Promise<CallResult> {
    if (!target || target !== child) return Promise.resolve({ ok: false, kind: "restarted", message: "the sandbox process was restarted" });
    return new Promise((resolve) => {
      waiting.set(message.id, { resolve, generation: target.generation, tag });
      target.process.send(message);
    });
  }

  return {
    limits,
    async load(script, calls) {
      if (closed) return { ok: false, result: { ok: false, kind: "crashed", message: "the server is closing" } };
      child ??= spawn();
      const target = child;
      const instance = ++nextInstance;
      instances.set(instance, calls);
      const result = await request({ op: "load", id: ++nextId, instance, script, limits }, target);
      if (!result.ok) {
        instances.delete(instance);
        return { ok: false, result };
      }
      let disposed = false;
      const send = (make: (id: number) => ToSandbox & { id: number }, tag?: number): Promise<CallResult> =>
        disposed ? Promise.resolve({ ok: false, kind: "restarted", message: "the processor was removed" }) : request(make(++nextId), target, tag);
      const processor: SandboxedProcessor = {
        slug: result.slug!,
        hasAfterAppend: result.hasAfterAppend === true,
        hasOnCaughtUp: result.hasOnCaughtUp === true,
        reduce: (events) => send((id) => ({ op: "reduce", id, instance, events })),
        onCaughtUp: (path, tag) => send((id) => ({ op: "caughtUp", id, instance, path }), tag),
        afterAppend: (event, tag) => send((id) => ({ op: "afterAppend", id, instance, event }), tag),
        reduceThenAfterAppend: (event, tag) => send((id) => ({ op: "reduceThenAfterAppend", id, instance, event }), tag),
        state: () => send((id) => ({ op: "state", id, instance })),
        restore: (state) => send((id) => ({ op: "restore", id, instance, state })),
        dispose() {
          if (disposed) return;
          disposed = true;
          instances.delete(instance);
          if (child === target) target.process.send({ op: "dispose", instance } satisfies ToSandbox);
        },
      };
      return { ok: true, processor };
    },
    async close() {
      closed = true;
      clearInterval(watchdog);
      const running = child;
      child = undefined;
      if (!running || running.process.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.process.once("exit", () => resolve());
        running.process.kill("SIGKILL");
      });
    },
  };
}
