import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chartsDir, growthChart } from "../charts.ts";
import { withDeadline } from "../deadline.ts";
import { n } from "../format.ts";
import { withSubjects, type BenchGroup, type GroupContext } from "../group.ts";
import { createHttpClient, type HttpClient } from "../http-client.ts";
import { startServerProcess, type ServerProcess } from "../server-process.ts";
import { summarize } from "../stats.ts";
import { subjects, type RunningSubject } from "../subjects.ts";
import { tributaryWire } from "../wire.ts";

/**
 * Cost growth, as curves: append latency, cold start and last-page read of one stream as it grows
 * (10³ … 10⁶ events), and memory per idle SSE connection at 10, 100 and 1,000 connections. Each curve is
 * called flat, sublinear, linear or superlinear from its slope on log–log axes.
 */
export const group: BenchGroup = {
  name: "growth",
  order: 50,
  steps: (quick) => (quick ? 2 : 4) + 1,
  figures: [],
  async run(context) {
    const sizes = context.quick ? [1_000, 3_000] : [1_000, 10_000, 100_000, 1_000_000];
    const stream = await streamGrowth(context, sizes);
    const memory = await idleConnectionMemory(context, context.quick ? [10, 100] : [10, 100, 1000]);
    context.charts.push(
      growthChart({
        file: "growth-stream.svg",
        title: "Tributary (SQLite): cost by events in the stream (ms, p50)",
        xLabel: "events in the stream",
        series: [
          { label: "append", points: stream.map((row) => ({ x: row.size, y: row.appendMs })) },
          { label: "last-page read", points: stream.map((row) => ({ x: row.size, y: row.lastPageMs })) },
          { label: "first append after restart", points: stream.map((row) => ({ x: row.size, y: row.coldAppendMs })) },
        ],
      }),
      growthChart({
        file: "growth-sse-memory.svg",
        title: "Memory per idle SSE connection (KiB of RSS)",
        xLabel: "idle SSE connections",
        series: memory.map((row) => ({ label: row.label, points: row.points.map((point) => ({ x: point.connections, y: point.rssKiB })) })),
      }),
    );
    const shape = (points: { x: number; y: number }[]) => shapeOf(points[0]!, points.at(-1)!);
    context.sections.push(`## Cost growth

Tributary (SQLite), one stream filled in batches of 1,000 and measured at each size: the p50 of 100
sequential appends, of 50 reads of its last page (\`format=json\`, the last 100 events), and the first
append after a restart on the same data (the restart itself, process start to listening, beside it).

| Events in the stream | Append p50 | Last-page read p50 | Restart to listening | First append after restart |
| --- | --- | --- | --- | --- |
${stream.map((row) => `| ${n(row.size)} | ${row.appendMs.toFixed(2)} ms | ${row.lastPageMs.toFixed(2)} ms | ${n(row.restartMs)} ms | ${row.coldAppendMs.toFixed(1)} ms |`).join("\n")}

Shape from ${n(sizes[0]!)} to ${n(sizes.at(-1)!)} events: append ${shape(stream.map((row) => ({ x: row.size, y: row.appendMs })))}; last-page read ${shape(stream.map((row) => ({ x: row.size, y: row.lastPageMs })))}; first append after restart ${shape(stream.map((row) => ({ x: row.size, y: row.coldAppendMs })))}.

![Cost by events in the stream](${chartsDir}/growth-stream.svg)

Memory per idle live SSE connection (raw sockets in the readers' process, opened in steps; the server's
RSS and JS heap after a garbage collection, minus its figures with no connection, divided by the
connections open):

| Server | ${memory[0]!.points.map((point) => `${n(point.connections)} connections`).join(" | ")} | Shape |
| --- | ${memory[0]!.points.map(() => "---").join(" | ")} | --- |
${memory.map((row) => `| ${row.label} | ${row.points.map((point) => `${point.rssKiB.toFixed(1)} KiB RSS, ${point.heapKiB.toFixed(1)} KiB heap`).join(" | ")} | total RSS ${shapeOf({ x: row.points[0]!.connections, y: row.points[0]!.rssKiB * row.points[0]!.connections }, { x: row.points.at(-1)!.connections, y: row.points.at(-1)!.rssKiB * row.points.at(-1)!.connections })} in connections |`).join("\n")}

![Memory per idle SSE connection](${chartsDir}/growth-sse-memory.svg)
`);
  },
};

/** Flat, sublinear, linear or superlinear: the slope of y against x on log–log axes between two points. */
function shapeOf(first: { x: number; y: number }, last: { x: number; y: number }): string {
  if (first.y <= 0 || last.y <= 0) return "not measurable (a zero value)";
  const slope = Math.log(last.y / first.y) / Math.log(last.x / first.x);
  const word = slope < 0.15 ? "flat" : slope < 0.85 ? "sublinear" : slope < 1.2 ? "linear" : "superlinear";
  return `${word} (×${(last.y / first.y).toFixed(2)} for ×${n(last.x / first.x)}, log–log slope ${slope.toFixed(2)})`;
}

interface StreamRow {
  size: number;
  appendMs: number;
  lastPageMs: number;
  restartMs: number;
  coldAppendMs: number;
}

async function streamGrowth(context: GroupContext, sizes: number[]): Promise<StreamRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "tributary-bench-growth-"));
  const name = "/bench/growth";
  const path = `/api/streams${name}`;
  let server: ServerProcess = await startServerProcess({ fsync: "normal", dataDir });
  let http = createHttpClient(server.url, { connections: 1 });
  const rows: StreamRow[] = [];
  try {
    await tributaryWire.create(http, name);
    let count = 1;
    for (const size of sizes) {
      context.progress.step(`growth: a stream of ${n(size)} events`);
      count = await fillTo(http, name, count, size, context);
      const append: number[] = [];
      for (let i = 0; i < 100; i++) {
        const started = performance.now();
        await tributaryWire.append(http, name, `{"type":"bench/appended","payload":{"i":${i}}}`);
        append.push(performance.now() - started);
        count += 1;
      }
      const lastPage: number[] = [];
      for (let i = 0; i < 50; i++) {
        const started = performance.now();
        const response = await http.get(`${path}?format=json&limit=100&afterOffset=${count - 100}`);
        if (response.status !== 200) throw new Error(`the last-page read answered ${response.status}`);
        lastPage.push(performance.now() - started);
      }
      http.close();
      context.cpu.addChild(await server.close());
      const restartStarted = performance.now();
      server = await startServerProcess({ fsync: "normal", dataDir });
      const restartMs = performance.now() - restartStarted;
      http = createHttpClient(server.url, { connections: 1 });
      const coldStarted = performance.now();
      await tributaryWire.append(http, name, `{"type":"bench/appended","payload":{"cold":true}}`);
      const coldAppendMs = performance.now() - coldStarted;
      count += 1;
      rows.push({ size, appendMs: summarize(append).p50, lastPageMs: summarize(lastPage).p50, restartMs, coldAppendMs });
      context.progress.done(
        `append p50 ${rows.at(-1)!.appendMs.toFixed(2)} ms, last page ${rows.at(-1)!.lastPageMs.toFixed(2)} ms, first append after restart ${coldAppendMs.toFixed(1)} ms`,
      );
    }
  } finally {
    http.close();
    context.cpu.addChild(await server.close());
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

async function fillTo(http: HttpClient, name: string, from: number, to: number, context: GroupContext): Promise<number> {
  let count = from;
  while (count < to) {
    const size = Math.min(1000, to - count);
    await tributaryWire.appendBatch(
      http,
      name,
      Array.from({ length: size }, (_, k) => `{"type":"bench/filled","payload":{"i":${count + k},"note":"${"x".repeat(64)}"}}`),
    );
    count += size;
    if (count % 20_000 < 1000) context.progress.tick(`filled ${n(count)} / ${n(to)}`);
  }
  return count;
}

const readersScript = fileURLToPath(new URL("../fan-out-readers.ts", import.meta.url));

interface MemoryRow {
  label: string;
  points: { connections: number; rssKiB: number; heapKiB: number }[];
}

async function idleConnectionMemory(context: GroupContext, steps: number[]): Promise<MemoryRow[]> {
  context.progress.step(`memory per idle SSE connection at ${steps.map(n).join(", ")} connections`);
  const rows: MemoryRow[] = [];
  await withSubjects(context, ["sqlite", "floor", "ds-memory"], async (running) => {
    for (const subject of running) rows.push({ label: subjects[subject.id].label, points: await memorySteps(subject, steps) });
  });
  context.progress.done(rows.map((row) => `${row.label} ${row.points.at(-1)!.rssKiB.toFixed(1)} KiB`).join(", "));
  return rows;
}

async function memorySteps(subject: RunningSubject, steps: number[]): Promise<MemoryRow["points"]> {
  const http = createHttpClient(subject.server.url, { connections: 1 });
  const name = "/bench/idle";
  await subject.wire.create(http, name);
  http.close();
  const child = spawn(process.execPath, [readersScript], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const open = (readers: number) =>
    withDeadline(
      new Promise<void>((resolve, reject) => {
        const onMessage = (message: { type: string; message?: string }) => {
          child.off("message", onMessage);
          if (message.type === "ready") resolve();
          else reject(new Error(`idle readers: ${message.message}`));
        };
        child.on("message", onMessage);
        child.send({ type: "open", url: subject.server.url, path: subject.wire.livePath(name), readers });
      }),
      60_000,
      "the idle readers did not connect within 60 s",
    );
  try {
    const before = await subject.server.stats({ gc: true });
    const points: MemoryRow["points"] = [];
    let open_ = 0;
    for (const connections of steps) {
      await open(connections - open_);
      open_ = connections;
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await subject.server.stats({ gc: true });
      points.push({ connections, rssKiB: ((after.rssMb - before.rssMb) * 1024) / connections, heapKiB: ((after.heapMb - before.heapMb) * 1024) / connections });
    }
    return points;
  } finally {
    child.kill();
    await exited;
  }
}
