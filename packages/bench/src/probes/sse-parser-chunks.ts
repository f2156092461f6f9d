/**
 * Probe (not part of `npm run bench`): the SDK's SSE parser (`createSseParser`) fed the same 20,000
 * frames in chunks of different sizes. A parser that is linear in its input costs the same per event
 * whatever the chunk size; a cost per event that grows with the chunk size means each line rescans
 * the rest of the chunk (catch-up reads arrive in 64 KiB chunks and larger).
 *
 * Usage: node packages/bench/src/probes/sse-parser-chunks.ts
 */
import { createSseParser } from "@tributary/sdk";

const json = JSON.stringify({
  type: "bench/filled",
  payload: { i: 123456, note: "x".repeat(64) },
  streamPath: "/bench/catch-up",
  offset: 123456,
  createdAt: new Date().toISOString(),
});
let text = "";
for (let i = 1; i <= 20_000; i++) text += `id: ${i}\ndata: ${json}\n\n`;

for (const size of [1024, 8192, 65_536, 524_288]) {
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(text.slice(at, at + size));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let events = 0;
    const parser = createSseParser(() => (events += 1));
    const started = performance.now();
    for (const chunk of chunks) parser.feed(chunk);
    best = Math.min(best, ((performance.now() - started) * 1000) / events);
  }
  console.log(`chunks of ${String(size / 1024).padStart(3)} KiB: ${best.toFixed(2)} µs per event (best of 5)`);
}
