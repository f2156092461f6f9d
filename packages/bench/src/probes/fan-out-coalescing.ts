/**
 * Probe (not part of `npm run bench`): what fan-out to many SSE readers costs per write, and what
 * coalescing each reader's frames over a short window saves. A bare node:http SSE server (no Tributary
 * code) publishes events at a fixed rate to N live readers (the bench's reader process); frames are
 * written at once (window 0, today's behaviour in live-hub/stream-writer) or gathered for `window` ms
 * and written as one chunk per reader.
 *
 * Usage: node packages/bench/src/probes/fan-out-coalescing.ts [readers=1000] [rate=500] [seconds=4] [windows=0,5,10,25]
 */
import { spawn } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { wallClockMs } from "../stats.ts";

const [readerCount = 1000, rate = 500, seconds = 4] = process.argv.slice(2, 5).map(Number);
const windows = (process.argv[5] ?? "0,5,10,25").split(",").map(Number);
const readersScript = fileURLToPath(new URL("../fan-out-readers.ts", import.meta.url));

for (const windowMs of windows) {
  const readers = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.flushHeaders();
    readers.add(res);
    req.on("close", () => readers.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = spawn(process.execPath, [readersScript], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const next = (type: string) => new Promise<any>((resolve) => child.on("message", (m: { type: string }) => m.type === type && resolve(m)));
  const ready = next("ready");
  child.send({ type: "open", url, path: "/s", readers: readerCount });
  await ready;

  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  let writes = 0;
  const flush = () => {
    timer = undefined;
    for (const res of readers) res.write(pending);
    writes += readers.size;
    pending = "";
  };
  const total = rate * seconds;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor((performance.now() - started) / (1000 / rate)) + 1);
    for (; sent < due; sent++) {
      pending += `id: ${sent + 1}\ndata: {"type":"probe","payload":{"t":${wallClockMs().toFixed(3)}}}\n\n`;
      if (windowMs === 0) flush();
      else timer ??= setTimeout(flush, windowMs);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (sent * 1000) / rate - performance.now())));
  }
  await new Promise((resolve) => setTimeout(resolve, windowMs + 5));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const result = next("result");
  child.send({ type: "finish", expected: total, timeoutMs: 60_000 });
  const { latency, complete, cpuMs } = await result;
  const serverCpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `window ${String(windowMs).padStart(2)} ms: achieved ${Math.round(total / elapsed)} events/s; ${Math.round(writes / elapsed).toLocaleString("en-US")} writes/s; ` +
      `server CPU ${Math.round(serverCpuMs / elapsed / 10)}% of a core (${((serverCpuMs * 1000) / writes).toFixed(1)} µs per write); ` +
      `readers' CPU ${Math.round(cpuMs / elapsed / 10)}%; delivery p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms; ${complete}/${readerCount} complete`,
  );
  for (const res of readers) res.end();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  child.kill();
}
