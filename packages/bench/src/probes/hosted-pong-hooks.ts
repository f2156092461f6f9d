/**
 * Probe helper (not part of `npm run bench`), loaded by hosted-pong.ts's server script and, through it, in
 * the server's sandbox process (`--import`): timestamps (process.hrtime, CLOCK_MONOTONIC, so comparable
 * across processes) at the process boundaries of a hosted processor's ping → pong, with no change to the
 * server's code:
 *
 * - server: HTTP requests arriving (diagnostics channel), SSE/response writes naming a ping or a pong,
 *   SQLite statements (COMMIT, the cursor upsert, reads), and every IPC message to and from the sandbox
 *   process (the sandbox's `fork` is wrapped through `syncBuiltinESMExports`);
 * - sandbox process: IPC messages in and out (isolated-vm's `applySync` cannot be wrapped: it is a
 *   read-only property; the time between a call's message in and its first message out is the isolate's).
 *
 * Each process writes its marks to `$TRACE_DIR/<role>-<pid>.json` once it has been idle for half a second.
 */
import childProcess, { type ChildProcess } from "node:child_process";
import diagnostics from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { ServerResponse, type IncomingMessage } from "node:http";
import { syncBuiltinESMExports } from "node:module";
import { StatementSync } from "node:sqlite";

const dir = process.env.TRACE_DIR;
const role = process.env.TRACE_ROLE ?? "server";
const labels: string[] = [];
const times: bigint[] = [];
const mark = (label: string) => {
  labels.push(label);
  times.push(process.hrtime.bigint());
};

if (dir) {
  let dumped = 0;
  let seen = 0;
  setInterval(() => {
    if (labels.length !== seen) {
      seen = labels.length;
      return;
    }
    if (dumped === labels.length) return;
    dumped = labels.length;
    writeFileSync(`${dir}/${role}-${process.pid}.json`, JSON.stringify({ labels, times: times.map(String) }));
  }, 500).unref();
}

/** What a chunk written to a response says: a ping's or a pong's frame, or something else. */
const about = (chunk: unknown) => {
  const text =
    typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk as Uint8Array).toString("latin1") : "";
  return text.includes("bench/pong") ? "pong" : text.includes("bench/ping") ? "ping" : "other";
};

if (dir && role === "server") {
  const fork = childProcess.fork;
  childProcess.fork = ((modulePath: string | URL, args?: readonly string[], options?: childProcess.ForkOptions) => {
    if (!String(modulePath).includes("sandbox-child")) return fork(modulePath, args, options);
    const child: ChildProcess = fork(modulePath, args, {
      ...options,
      execArgv: [...(options?.execArgv ?? []), "--import", import.meta.url],
      env: { ...process.env, TRACE_ROLE: "sandbox" },
    });
    child.on("message", (message: { type: string; kind?: string }) => {
      if (message.type !== "alive") mark(`srv ipc in ${message.type}${message.kind ? ` ${message.kind}` : ""}`);
    });
    const send = child.send.bind(child) as (message: { op: string }) => boolean;
    child.send = ((message: { op: string }) => {
      mark(`srv ipc out ${message.op}`);
      return send(message);
    }) as ChildProcess["send"];
    return child;
  }) as typeof childProcess.fork;
  syncBuiltinESMExports();

  diagnostics.subscribe("http.server.request.start", (message) => {
    const { request } = message as { request: IncomingMessage };
    const url = (request.url ?? "").split("?")[0]!;
    mark(`srv http ${request.method} ${url.includes("/run") ? "run" : url.includes("/hosted") ? "hosted" : url}`);
  });
  const write = ServerResponse.prototype.write;
  ServerResponse.prototype.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    const kind = about(chunk);
    if (kind !== "other") mark(`srv write ${kind}`);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof write;
  const end = ServerResponse.prototype.end;
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    mark("srv response end");
    return (end as (...args: unknown[]) => ServerResponse).apply(this, args);
  } as typeof end;

  const sqlLabel = (sql: string) =>
    /^COMMIT/.test(sql) ? "COMMIT" : /^BEGIN/.test(sql) ? "BEGIN" : /cursor/i.test(sql) ? "cursor" : /^\s*SELECT/i.test(sql) ? "select" : "write";
  for (const method of ["run", "all", "get"] as const) {
    const original = StatementSync.prototype[method] as (...args: unknown[]) => unknown;
    StatementSync.prototype[method] = function (this: StatementSync, ...args: unknown[]) {
      const label = sqlLabel(this.sourceSQL);
      mark(`srv sql ${label}`);
      const result = original.apply(this, args);
      mark(`srv sql ${label} done`);
      return result;
    } as never;
  }
}

if (dir && role === "sandbox") {
  process.prependListener("message", (message) => mark(`sbx ipc in ${(message as { op: string }).op}`));
  const send = process.send!.bind(process) as (message: { type: string; kind?: string }) => boolean;
  process.send = ((message: { type: string; kind?: string }) => {
    if (message.type !== "alive") mark(`sbx ipc out ${message.type}${message.kind ? ` ${message.kind}` : ""}`);
    return send(message);
  }) as typeof process.send;
}
