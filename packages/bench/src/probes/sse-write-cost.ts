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
import { spawn } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { wallClockMs } from "../stats.ts";

const [readerCount = 1000, flushes = 200, rounds = 3, bytes = 200] = process.argv.slice(2, 6).map(Number);
const readersScript = fileURLToPath(new URL("../fan-out-readers.ts", import.meta.url));

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
const next = (type: string) => new Promise<unknown>((resolve) => child.on("message", (m: { type: string }) => m.type === type && resolve(m)));
const ready = next("ready");
child.send({ type: "open", url, path: "/s", readers: readerCount });
await ready;

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
const result = next("result");
child.send({ type: "finish", expected: offset, timeoutMs: 10_000 });
const { complete } = (await result) as { complete: number };
console.log(`${complete} of ${readerCount} readers got all ${offset} events`);
child.kill();
server.close();
server.closeAllConnections();
