/**
 * The readers of the fan-out benchmark, in their own process (started by `measureFanOut`), so that
 * parsing 1,000 readers' frames does not delay the appender's pacing. Each event's payload carries
 * `t`, the wall-clock time its append was sent; a reader's latency sample is arrival time minus `t`.
 *
 * IPC: `{type:"open", url, path, readers}` → `{type:"ready"}`;
 * `{type:"finish", expected, timeoutMs}` → `{type:"result", ...}` once every reader has `expected`
 * events (or the time is up).
 */
import { openSse, type SseConnection } from "./sse-reader.ts";
import { summarize, wallClockMs } from "./stats.ts";

interface Reader {
  received: number;
  buffer: string;
  connection?: SseConnection;
}

let latencies = new Float64Array(1 << 20);
let samples = 0;
const readers: Reader[] = [];
const cpuAtStart = process.cpuUsage();

function record(value: number): void {
  if (samples === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[samples++] = value;
}

/** Finds `"t":<number>` in each complete frame without parsing the JSON: this must stay cheap. */
function onText(reader: Reader, text: string): void {
  const now = wallClockMs();
  const buffer = reader.buffer + text;
  const complete = buffer.lastIndexOf("\n\n");
  if (complete < 0) {
    reader.buffer = buffer;
    return;
  }
  let at = buffer.indexOf('"t":', 0);
  while (at >= 0 && at < complete) {
    let end = at + 4;
    while (end < buffer.length && buffer.charCodeAt(end) !== 44 && buffer.charCodeAt(end) !== 125) end++;
    record(now - Number(buffer.slice(at + 4, end)));
    reader.received += 1;
    at = buffer.indexOf('"t":', end);
  }
  reader.buffer = buffer.slice(complete + 2);
}

async function open(url: string, path: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const group = Array.from({ length: Math.min(50, count - i) }, async () => {
      const reader: Reader = { received: 0, buffer: "" };
      readers.push(reader);
      reader.connection = await openSse(url, `${path}?live=true&afterOffset=end`, (text) => onText(reader, text));
    });
    await Promise.all(group);
  }
}

async function finish(expected: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (readers.some((reader) => reader.received < expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cpu = process.cpuUsage(cpuAtStart);
  for (const reader of readers) reader.connection?.close();
  return {
    type: "result",
    latency: summarize(latencies.subarray(0, samples)),
    readers: readers.length,
    complete: readers.filter((reader) => reader.received >= expected).length,
    fewest: Math.min(...readers.map((reader) => reader.received)),
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
