// The sandbox process: runs every hosted processor of one server, each in its own isolated-vm isolate.
// The server starts it (sandbox.ts) with `--no-opt`, because V8's optimising compiler can compile an
// allocation loop that ignores isolated-vm's termination; in this process that costs nothing but the
// hosted processors' own speed. It talks only over the IPC channel; a process that stops answering is
// killed by the server, which is the last line of defence.
import { createIsolateInstance, type IsolateInstance } from "./isolate-instance.ts";
import type { CallResult, FromSandbox, ToSandbox } from "./sandbox-protocol.ts";

const instances = new Map<number, IsolateInstance>();
/** Per processor, the id of the server's request whose call runs now (its calls run one at a time). */
const runningCall = new Map<number, number>();
const pending = new Map<number, (answer: string) => void>();
let nextCall = 0;

const send = (message: FromSandbox) => process.send!(message);

function host(instance: number) {
  return {
    call(kind: "append" | "fetch", request: string, cause: number | undefined): Promise<string> {
      const call = ++nextCall;
      return new Promise((resolve) => {
        pending.set(call, resolve);
        send({ type: "host", call, instance, kind, request, cause, of: runningCall.get(instance) });
      });
    },
    log(level: string, message: string, fields: string | undefined, cause: number | undefined) {
      send({ type: "log", instance, level, message, fields, cause });
    },
  };
}

async function handle(message: ToSandbox): Promise<void> {
  if (message.op === "hostReply") {
    const waiting = pending.get(message.call);
    pending.delete(message.call);
    waiting?.(JSON.stringify(message.ok ? { ok: true, value: message.value } : { ok: false, message: message.message }));
    return;
  }
  if (message.op === "dispose") {
    instances.get(message.instance)?.dispose();
    instances.delete(message.instance);
    return;
  }
  let result: CallResult;
  if (message.op === "load") {
    const created = await createIsolateInstance(message.script, message.limits, host(message.instance));
    if (created.ok) instances.set(message.instance, created.instance);
    result = created.result;
  } else {
    runningCall.set(message.instance, message.id);
    const instance = instances.get(message.instance);
    if (!instance) result = { ok: false, kind: "crashed", message: "the processor's isolate is gone" };
    else if (message.op === "reduce") result = await instance.reduce(message.events);
    else if (message.op === "restore") result = instance.restore(message.state);
    else if (message.op === "caughtUp") result = await instance.onCaughtUp(message.path);
    else if (message.op === "afterAppend") result = await instance.afterAppend(message.event);
    else if (message.op === "reduceThenAfterAppend") {
      const reduced = await instance.reduce([message.event]);
      result = reduced.ok ? await instance.afterAppend(message.event) : { ...reduced, inReduce: true };
    } else result = instance.state();
    runningCall.delete(message.instance);
  }
  send({ type: "reply", id: message.id, result });
}

/**
 * Each processor's calls run one after another, in the order they came: the server may send an event's
 * call before the previous one has settled (see hosted-runner.ts), and it starts only once that one has
 * (its CPU and wall-time budgets too). Host replies and disposals are not queued: a call waits on the one,
 * and the other ends it.
 */
const queues = new Map<number, Promise<void>>();

process.on("message", (message: ToSandbox) => {
  const run = () =>
    handle(message).catch((error) => {
      if ("id" in message) send({ type: "reply", id: message.id, result: { ok: false, kind: "crashed", message: String(error) } });
    });
  if (message.op === "hostReply" || message.op === "dispose" || message.op === "load") {
    void run();
    return;
  }
  const { instance } = message;
  const previous = queues.get(instance);
  // Nothing of this processor's in progress: start now (no promise hop on the way in).
  const next = previous === undefined ? run() : previous.then(run);
  queues.set(instance, next);
  void next.then(() => {
    if (queues.get(instance) === next) queues.delete(instance);
  });
});
process.on("disconnect", () => process.exit(0));
// The server's watchdog: a process whose main thread stops saying this (an isolate that ignored its
// termination inside a synchronous call) is killed.
send({ type: "alive" });
setInterval(() => send({ type: "alive" }), 1000);
