/**
 * Probe (not part of `npm run bench`): what fan-out to many SSE readers costs per write, and what
 * coalescing each reader's frames saves. A bare node:http SSE server (no Tributary code) publishes
 * events at a fixed rate to N live readers (the bench's reader process). Window `0` writes each frame
 * to each reader as a string at once (today's live-hub/stream-writer); window `turn` gathers the frames
 * of one event-loop turn; a number gathers them for that many ms. Gathered frames are encoded to one
 * Buffer once and that Buffer is written to every reader.
 *
 * Usage: node packages/bench/src/probes/fan-out-coalescing.ts [readers=1000] [rate=500] [seconds=4] [windows=0,turn,10,25]
 */
import { wallClockMs } from "../stats.ts";
import { startBareSseReaders } from "./bare-sse-readers.ts";

const [readerCount = 1000, rate = 500, seconds = 4] = process.argv.slice(2, 5).map(Number);
const windows = (process.argv[5] ?? "0,turn,10,25").split(",");

for (const windowMs of windows) {
  const bare = await startBareSseReaders(readerCount);
  const readers = bare.readers;

  let pending = "";
  let scheduled = false;
  let writes = 0;
  const flush = () => {
    scheduled = false;
    const bytes = Buffer.from(pending);
    for (const res of readers) res.write(bytes);
    writes += readers.size;
    pending = "";
  };
  const total = rate * seconds;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let sent = 0; sent < total;) {
    const due = Math.min(total, Math.floor((performance.now() - started) / (1000 / rate)) + 1);
    for (; sent < due; sent++) {
      const frame = `id: ${sent + 1}\ndata: {"type":"probe","payload":{"t":${wallClockMs().toFixed(3)}}}\n\n`;
      if (windowMs === "0") {
        for (const res of readers) res.write(frame);
        writes += readers.size;
        continue;
      }
      pending += frame;
      if (scheduled) continue;
      scheduled = true;
      if (windowMs === "turn") setImmediate(flush);
      else setTimeout(flush, Number(windowMs));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (sent * 1000) / rate - performance.now())));
  }
  await new Promise((resolve) => setTimeout(resolve, (Number(windowMs) || 0) + 5));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const { latency, complete, cpuMs } = await bare.finish(total, 60_000);
  const serverCpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `window ${windowMs.padStart(4)}: achieved ${Math.round(total / elapsed)} events/s; ${Math.round(writes / elapsed).toLocaleString("en-US")} writes/s; ` +
      `server CPU ${Math.round(serverCpuMs / elapsed / 10)}% of a core (${((serverCpuMs * 1000) / writes).toFixed(1)} µs per write); ` +
      `readers' CPU ${Math.round(cpuMs / elapsed / 10)}%; delivery p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms; ${complete}/${readerCount} complete`,
  );
  await bare.close();
}
