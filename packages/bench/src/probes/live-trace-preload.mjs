/**
 * Probe (not part of `npm run bench`): a preload for the server child that timestamps one append → live
 * reader round trip inside the server, and prints the medians when the server exits. Every time is in µs
 * from the append's `request` event (its headers parsed): when the commit was queued (the first
 * `setImmediate` after it) and ran, BEGIN, the first INSERT into `events`, the COMMIT's end, the reader's
 * socket write (a write carrying `"rt"`), the answer's first socket write, and how long the answer's
 * `res.end()` and the reader's write took. On the floor (`floor-child.ts`) only the queue, the reader and
 * the answer show. Loaded through NODE_OPTIONS (the children inherit the environment):
 *
 * LIVE_TRACE=1 NODE_OPTIONS="--conditions=tributary-source --import ./packages/bench/src/probes/live-trace-preload.mjs" \
 *   node packages/bench/src/probes/live-ab.ts [other checkout] 3 1500
 *
 * With `LIVE_TRACE_WINDOWS=<dir>` it also writes each round trip's windows there (request -> reader write,
 * and last write -> next request), for `live-profile-windows.ts` to cut a CPU profile by (`PROFILE_DIR`).
 */
import http from "node:http";
import net from "node:net";
import { performance } from "node:perf_hooks";
import sqlite from "node:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

if (process.env.BENCH_DATA_DIR && process.env.LIVE_TRACE) {
  const now = () => performance.now();
  /** The round trip being traced: one per POST, from its `request` event. */
  let current;
  const rows = [];

  /** Marks the round trip's latest write so far (the tail to the next request is measured from the last one). */
  const markLastWrite = (row) => {
    row.lastWrite = now();
    row.lastWriteElu = performance.eventLoopUtilization();
    row.lastWriteCpu = process.cpuUsage();
  };

  const serverEmit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, ...rest) {
    if (event === "request" && req.method === "POST") {
      const at = now();
      if (current) {
        // From the round trip's last write (its reader's frame or its answer, whichever came later)
        // to this request: how long, and how much of it the event loop was busy (not waiting in epoll).
        if (current.lastWrite !== undefined) {
          current.tailWall = at - current.lastWrite;
          current.tailBusy = performance.eventLoopUtilization(current.lastWriteElu).active;
          const cpu = process.cpuUsage(current.lastWriteCpu);
          current.tailCpu = (cpu.user + cpu.system) / 1000;
        }
        rows.push(current);
      }
      current = { request: at };
    }
    return serverEmit.call(this, event, req, ...rest);
  };

  const socketWrite = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    const row = current;
    if (!row) return socketWrite.call(this, chunk, ...rest);
    const text = typeof chunk === "string" ? chunk.slice(0, 400) : Buffer.isBuffer(chunk) ? chunk.toString("latin1", 0, Math.min(chunk.length, 400)) : "";
    const isReader = row.reader === undefined && text.includes('"rt"') && !text.startsWith("HTTP");
    if (isReader) row.reader = now();
    else if (row.answer === undefined && text.startsWith("HTTP/1.1 201")) row.answer = now();
    try {
      return socketWrite.call(this, chunk, ...rest);
    } finally {
      if (isReader) {
        row.readerWritten = now();
        markLastWrite(row);
      }
    }
  };

  const responseEnd = http.ServerResponse.prototype.end;
  http.ServerResponse.prototype.end = function (...args) {
    const row = current;
    if (!row || this.req?.method !== "POST" || row.endStart !== undefined) return responseEnd.apply(this, args);
    row.endStart = now();
    try {
      return responseEnd.apply(this, args);
    } finally {
      row.ended = now();
      markLastWrite(row);
    }
  };

  const run = sqlite.StatementSync.prototype.run;
  sqlite.StatementSync.prototype.run = function (...args) {
    const row = current;
    if (!row) return run.apply(this, args);
    const sql = this.sourceSQL;
    const started = now();
    const result = run.apply(this, args);
    if (sql === "BEGIN IMMEDIATE") row.begin = started;
    else if (sql === "COMMIT") {
      row.commitStart = started;
      row.commit = now();
    } else if (sql.startsWith("INSERT INTO events")) row.insert ??= started;
    return result;
  };

  const immediate = globalThis.setImmediate;
  globalThis.setImmediate = function (task, ...args) {
    const row = current;
    if (!row || row.queued !== undefined) return immediate.call(this, task, ...args);
    row.queued = now();
    return immediate.call(
      this,
      (...taskArgs) => {
        row.ran = now();
        return task(...taskArgs);
      },
      ...args,
    );
  };

  // performance.now() (ms) to the monotonic clock V8's CPU profiles count in (µs).
  const monotonicOffsetUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
  const monotonicUs = (ms) => Math.round(ms * 1000 + monotonicOffsetUs);

  process.on("exit", () => {
    if (current) rows.push(current);
    if (process.env.LIVE_TRACE_WINDOWS) {
      // Each round trip's request -> reader write and its answer's end -> the next request, for
      // live-profile-windows.ts to read a CPU profile of the same process by.
      const windows = rows.slice(200).filter((row) => row.reader !== undefined && row.ended !== undefined && row.tailWall !== undefined);
      writeFileSync(
        join(process.env.LIVE_TRACE_WINDOWS, `windows-${process.pid}.json`),
        JSON.stringify({
          critical: windows.map((row) => [monotonicUs(row.request), monotonicUs(row.reader)]),
          tail: windows.map((row) => [monotonicUs(row.lastWrite), monotonicUs(row.lastWrite + row.tailWall)]),
        }),
      );
    }
    // The first 200 are the warm-up.
    const traced = rows.filter((row) => row.reader !== undefined && row.answer !== undefined).slice(200);
    const median = (of) => {
      const values = traced
        .map(of)
        .filter((value) => Number.isFinite(value))
        .sort((a, b) => a - b);
      return values.length === 0 ? "-" : (values[Math.floor(values.length / 2)] * 1000).toFixed(1);
    };
    const since = (key) => median((row) => row[key] - row.request);
    console.error(
      `live trace (${traced.length} round trips, medians, µs from the request event): commit queued ${since("queued")}, ran ${since("ran")}, ` +
        `BEGIN ${since("begin")}, INSERT ${since("insert")}, COMMIT done ${since("commit")}, reader write ${since("reader")}, answer ${since("answer")} | ` +
        `COMMIT statement ${median((row) => row.commit - row.commitStart)}, COMMIT -> reader write ${median((row) => row.reader - row.commit)}, ` +
        `reader write call ${median((row) => row.readerWritten - row.reader)}, answer end() ${median((row) => row.ended - row.endStart)} | ` +
        `last write -> next request ${median((row) => row.tailWall)}, of it busy ${median((row) => row.tailBusy)}, CPU ${median((row) => row.tailCpu)}`,
    );
  });
}
