/**
 * The readers of the fan-out benchmark, in their own process (started by `measureFanOut`), so that
 * 1,000 readers' parsing does not delay the appender's pacing. Each reader is a raw TCP socket that
 * sends an SSE GET and scans the bytes it receives for `"t":<number>` (each event's payload carries
 * `t`, the wall-clock time its append was sent): no HTTP parser, no JSON parsing, no strings, so that
 * on a 2-core machine as much CPU as possible is left to the server being measured. A delivery's
 * latency is its arrival time minus `t`.
 *
 * IPC: `{type:"open", url, path, readers}` (path: the live read's path and query) → `{type:"ready"}`;
 * `{type:"finish", expected, timeoutMs}` → `{type:"result", ...}` once every reader has `expected`
 * events (or the time is up).
 */
import { connect, type Socket } from "node:net";
import { numberAt } from "./marker-scanner.ts";
import { summarize, wallClockMs } from "./stats.ts";

interface Reader {
  received: number;
  /** Reads that carried at least one event (about one per server write, over loopback). */
  reads: number;
  rest: Buffer | undefined;
  socket?: Socket;
}

let latencies = new Float64Array(1 << 20);
let samples = 0;
const readers: Reader[] = [];
const cpuAtStart = process.cpuUsage();
const marker = Buffer.from('"t":');

function record(value: number): void {
  if (samples === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[samples++] = value;
}

function onData(reader: Reader, chunk: Buffer): void {
  const now = wallClockMs();
  const bytes = reader.rest ? Buffer.concat([reader.rest, chunk]) : chunk;
  // Only whole frames (ending in a blank line) are scanned; the rest waits for the next chunk.
  const complete = bytes.lastIndexOf("\n\n");
  if (complete < 0) {
    reader.rest = bytes;
    return;
  }
  const before = reader.received;
  for (let at = bytes.indexOf(marker); at >= 0 && at < complete;) {
    const { value, end } = numberAt(bytes, at + marker.length);
    record(now - value);
    reader.received += 1;
    at = bytes.indexOf(marker, end);
  }
  if (reader.received > before) reader.reads += 1;
  reader.rest = complete + 2 < bytes.length ? Buffer.from(bytes.subarray(complete + 2)) : undefined;
}

function openReader(url: URL, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const reader: Reader = { received: 0, reads: 0, rest: undefined };
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    reader.socket = socket;
    readers.push(reader);
    socket.setNoDelay(true);
    socket.once("error", reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onHead);
      if (!head.subarray(0, 16).toString("latin1").startsWith("HTTP/1.1 200")) {
        reject(new Error(`a reader's GET answered ${head.subarray(0, head.indexOf("\r\n")).toString("latin1")}`));
        return;
      }
      socket.on("data", (data: Buffer) => onData(reader, data));
      if (end + 4 < head.length) onData(reader, head.subarray(end + 4));
      resolve();
    };
    socket.on("data", onHead);
  });
}

async function open(url: string, path: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => openReader(new URL(url), path)));
  }
}

async function finish(expected: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (readers.some((reader) => reader.received < expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cpu = process.cpuUsage(cpuAtStart);
  for (const reader of readers) reader.socket?.destroy();
  return {
    type: "result",
    latency: summarize(latencies.subarray(0, samples)),
    readers: readers.length,
    complete: readers.filter((reader) => reader.received >= expected).length,
    fewest: Math.min(...readers.map((reader) => reader.received)),
    reads: readers.reduce((sum, reader) => sum + reader.reads, 0),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

process.on("message", (message: { type: string; url: string; path: string; readers: number; expected: number; timeoutMs: number }) => {
  if (message.type === "open") {
    open(message.url, message.path, message.readers).then(
      () => process.send?.({ type: "ready" }),
      (error: unknown) => process.send?.({ type: "error", message: String(error) }),
    );
  } else if (message.type === "finish") {
    void finish(message.expected, message.timeoutMs).then((result) => {
      process.send?.(result, () => process.exit(0));
    });
  }
});
process.on("disconnect", () => process.exit(0));
