/**
 * Probe (not part of `npm run bench`): the server's CPU per socket write when one run of live events is
 * written to many SSE readers, by how it is written. A bare node:http SSE server (no Tributary code)
 * with N live readers (the bench's reader process) writes the same Buffer to every reader, flush after
 * flush, alternating the ways round by round:
 *
 * - `res.write`: `ServerResponse.write(buffer)`, what the HTTP floor does (chunked encoding: a cork, the
 *   size, CRLF, the data and CRLF as four socket writes, and a `nextTick` to uncork into one `writev`);
 * - `socket.write`: the run framed once as an HTTP/1.1 chunk and that Buffer written to each reader's
 *   socket (what stream-writer.ts does for a live run).
 *
 * CPU is the server process's (user + system) over the flushes alone, divided by the writes.
 *
 * Usage: node packages/bench/src/probes/sse-write-cost.ts [readers=1000] [flushes=200] [rounds=3] [bytes=200]
 */
import type { Socket } from "node:net";
import { wallClockMs } from "../stats.ts";
import { startBareSseReaders } from "./bare-sse-readers.ts";

const [readerCount = 1000, flushes = 200, rounds = 3, bytes = 200] = process.argv.slice(2, 6).map(Number);

const bare = await startBareSseReaders(readerCount);
const readers = bare.readers;

const frame = (offset: number) => {
  const head = `id: ${offset}\ndata: {"t":${wallClockMs().toFixed(3)},"note":"`;
  return Buffer.from(`${head}${"x".repeat(Math.max(0, bytes - head.length - 4))}"}\n\n`);
};
const ways = {
  "res.write": (body: Buffer) => {
    for (const res of readers) res.write(body);
  },
  "socket.write": (body: Buffer) => {
    const chunk = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n")]);
    for (const res of readers) (res.socket as Socket).write(chunk);
  },
};
let offset = 0;
for (let round = 0; round < rounds; round++) {
  for (const [name, write] of Object.entries(ways)) {
    let cpuUs = 0;
    for (let i = 0; i < flushes; i++) {
      const body = frame(++offset);
      const before = process.cpuUsage();
      write(body);
      // The nextTick uncorks of res.write happen after the loop: count them too.
      await new Promise((resolve) => setImmediate(resolve));
      const used = process.cpuUsage(before);
      cpuUs += used.user + used.system;
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    console.log(
      `round ${round + 1} ${name.padEnd(12)} ${(cpuUs / (flushes * readers.size)).toFixed(2)} µs CPU per write (${readers.size} readers, ${flushes} flushes)`,
    );
  }
}
const { complete } = await bare.finish(offset, 10_000);
console.log(`${complete} of ${readerCount} readers got all ${offset} events`);
await bare.close();
