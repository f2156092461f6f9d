/**
 * Probe (not part of `npm run bench`): the live path from a commit to the reader's socket, another
 * checkout's against this one's, in one process. For each checkout, its live hub and stream writer (and a
 * SQLite store in memory, for the writer's catch-up) serve one live SSE reader on a real `node:http`
 * server over loopback (a raw socket in this process that reads and discards); then each round publishes
 * `count` one-event commits to the hub as the store announces them (`hub.publish`, the store's first
 * commit listener), one per turn of the event loop (the sequential client's case), and times each
 * `publish` call: the hub's encoding, the writer's checks and the socket write, which is all the server
 * does between COMMIT and the frame leaving. The two sides alternate round by round.
 *
 * Prints per round the median and p90 of a `publish` call (µs) and the process's CPU per publish (the
 * reader's reads included, the same for both sides).
 *
 * Usage: node --conditions=tributary-source packages/bench/src/probes/live-publish-ab.ts <other checkout> [rounds=5] [count=20000]
 */
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { liveReadOptions } from "./live-read-options.ts";

const [other, rounds = "5", count = "20000"] = process.argv.slice(2);
if (!other) throw new Error("usage: live-publish-ab.ts <other checkout> [rounds] [count]");

interface Batch {
  project: string;
  path: string;
  events: { event: { offset: number; type: string }; json: string }[];
}
interface Side {
  publish(batch: Batch): void;
  close(): Promise<void>;
}

const source = (checkout: string, file: string) => pathToFileURL(resolve(checkout, "packages/server/src", file)).href;
const here = resolve(new URL("../../../..", import.meta.url).pathname);

async function startSide(checkout: string): Promise<Side> {
  const { createLiveHub } = (await import(source(checkout, "live/live-hub.ts"))) as {
    createLiveHub: (options: object) => { publish(batch: Batch): void; close(): void };
  };
  const { writeStream } = (await import(source(checkout, "live/stream-writer.ts"))) as { writeStream: (res: unknown, options: object) => void };
  const { createSqliteStore } = (await import(source(checkout, "store/sqlite/sqlite-store.ts"))) as {
    createSqliteStore: (options: object) => { close(): Promise<void> };
  };
  const { createLogger } = (await import(source(checkout, "logger.ts"))) as { createLogger: (options: object) => unknown };
  const store = createSqliteStore({ dataDir: ":memory:" });
  const hub = createLiveHub({ heartbeatMs: 60_000, gather: "task" });
  const logger = createLogger({ level: "warn" });
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", connection: "keep-alive" });
    res.flushHeaders();
    writeStream(res, liveReadOptions({ store, hub, logger, project: "probe", path: "/probe/live", afterOffset: 0 }));
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as AddressInfo;
  // The reader: a raw socket that sends the request and discards what comes.
  const reader: Socket = connect(port, "127.0.0.1");
  reader.write(`GET /api/streams/probe/live?live=true HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n`);
  await new Promise<void>((resolveHead) => reader.once("data", () => resolveHead()));
  reader.on("data", () => {});
  // The writer subscribes after its (empty) catch-up read; wait for it.
  await new Promise((resolveTurn) => setTimeout(resolveTurn, 50));
  return {
    publish: (batch) => hub.publish(batch),
    async close() {
      reader.destroy();
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      await store.close();
    },
  };
}

const sides: [string, string][] = [
  ["before", resolve(other)],
  ["after", here],
];
const n = Number(count);
const summary = new Map<string, { p50: number[]; cpu: number[] }>();
const durations = new Float64Array(n);
for (let round = 0; round < Number(rounds); round++) {
  for (const [name, checkout] of round % 2 ? [...sides].reverse() : sides) {
    const side = await startSide(checkout);
    let offset = 0;
    const commit = (): Batch => {
      offset++;
      const json = `{"offset":${offset},"path":"/probe/live","type":"bench/appended","payload":{"rt":${offset}},"createdAt":"2026-12-02T17:00:00.000Z","appendedBy":{"kind":"client"}}`;
      return { project: "probe", path: "/probe/live", events: [{ event: { offset, type: "bench/appended" }, json }] };
    };
    // Warm-up, then the measured commits, one per turn.
    for (let i = 0; i < 2000; i++) {
      side.publish(commit());
      await new Promise((resolveTurn) => setImmediate(resolveTurn));
    }
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const batch = commit();
      const started = performance.now();
      side.publish(batch);
      durations[i] = performance.now() - started;
      await new Promise((resolveTurn) => setImmediate(resolveTurn));
    }
    const cpu = process.cpuUsage(cpuBefore);
    await side.close();
    const sorted = [...durations].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(n / 2)]! * 1000;
    const p90 = sorted[Math.floor(n * 0.9)]! * 1000;
    const cpuUs = (cpu.user + cpu.system) / n;
    const entry = summary.get(name) ?? { p50: [], cpu: [] };
    entry.p50.push(p50);
    entry.cpu.push(cpuUs);
    summary.set(name, entry);
    console.log(`round ${round + 1} ${name}: publish p50 ${p50.toFixed(2)} µs, p90 ${p90.toFixed(2)} µs, CPU ${cpuUs.toFixed(2)} µs per publish`);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, { p50, cpu }] of summary)
  console.log(
    `${name}: median publish p50 ${median(p50).toFixed(2)} µs (${p50.map((v) => v.toFixed(2)).join(", ")}), CPU ${median(cpu).toFixed(2)} µs per publish`,
  );
