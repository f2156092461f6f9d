/**
 * Probe (not part of `npm run bench`): the hosted processor's ping → pong against `tributary run`'s, as
 * the bench's hosted group measures it (`echoModule`, sequential round trips, a live SSE reader seeing
 * the pong), with this checkout's server and optionally another checkout's (the "before" of a change),
 * alternating round by round. Per round and side it prints the p50 of both paths and the CPU time per
 * round trip of the processes involved (server + sandbox process for hosted; server + the runner for
 * `tributary run`), from /proc.
 *
 * With `--trace`, the servers load hosted-pong-hooks.ts (timestamps at every process boundary, in the
 * server and in its sandbox process) and the end prints, for each path, the median time of every mark from
 * sending the ping, in order, with the step from the mark before it.
 *
 * With `GAP_MS` set, each ping waits that long after the previous pong (so the previous round trip's
 * remaining work, which overlaps the next ping without it, is over): the critical path alone.
 *
 * Usage: [GAP_MS=3] node --conditions=tributary-source packages/bench/src/probes/hosted-pong.ts [--trace] [other checkout] [rounds=5] [count=500]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createBenchStream } from "../bench-stream.ts";
import { withDeadline } from "../deadline.ts";
import { createHttpClient, expectAppended, type HttpClient } from "../http-client.ts";
import { deploy, echoModule } from "../scenarios/hosted-overhead.ts";
import { startServerProcess } from "../server-process.ts";
import { createFrameScanner, openSse } from "../sse-reader.ts";
import { summarize } from "../stats.ts";

const args = process.argv.slice(2);
const trace = args[0] === "--trace";
const [other, rounds = "5", count = "500"] = trace ? args.slice(1) : args;
const here = fileURLToPath(new URL("../../../..", import.meta.url));
const checkouts: Record<string, string> = { after: here, ...(other ? { before: resolve(other) } : {}) };
const serverScript = fileURLToPath(new URL("./hosted-pong-server.ts", import.meta.url));
const tributaryBin = fileURLToPath(new URL("../../../tributary/bin/tributary.js", import.meta.url));
const n = Number(count);
const gapMs = Number(process.env.GAP_MS ?? 0);
const warmup = Math.max(100, Math.round(n / 4));

const moduleDir = mkdtempSync(join(tmpdir(), "tributary-probe-hosted-"));
const moduleFile = join(moduleDir, "bench-echo.mjs");
await import("node:fs").then(({ writeFileSync }) => writeFileSync(moduleFile, echoModule));

/** CPU time (ms) of a process and its child processes, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const ticks = (id: number) => {
    try {
      const fields = readFileSync(`/proc/${id}/stat`, "utf8").split(") ")[1]!.split(" ");
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  let total = ticks(pid);
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) total += ticks(Number(child));
  } catch {
    // No children.
  }
  return total * 10;
}

type Sample = { sent: bigint; acked: bigint; pong: bigint };

/** Sequential pings on `stream`, each awaited until the SSE reader sees its pong. */
async function pingPong(url: string, http: HttpClient, stream: string, total: number): Promise<Sample[]> {
  const path = `/api/streams${stream}`;
  const pongs = new Map<number, bigint>();
  let waiting: { offset: number; resolve: (at: bigint) => void } | undefined;
  const sse = await openSse(
    url,
    `${path}?live=true&afterOffset=end`,
    createFrameScanner((_, data) => {
      if (!data.includes('"bench/pong"')) return;
      const at = process.hrtime.bigint();
      const to = (JSON.parse(data) as { payload: { to: number } }).payload.to;
      if (waiting?.offset === to) waiting.resolve(at);
      else pongs.set(to, at);
    }),
  );
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const sent = process.hrtime.bigint();
      const response = await http.post(path, `{"type":"bench/ping","payload":{"i":${i}}}`);
      const acked = process.hrtime.bigint();
      expectAppended(response);
      const offset = (JSON.parse(response.body) as { offset: number }).offset;
      const pong =
        pongs.get(offset) ??
        // As the bench's: a processor stopped at a limit (a loaded machine can do that) answers no more.
        (await withDeadline(
          new Promise<bigint>((done) => (waiting = { offset, resolve: done })),
          30_000,
          `${stream}: no pong for offset ${offset} within 30 s`,
        ));
      pongs.delete(offset);
      waiting = undefined;
      samples.push({ sent, acked, pong });
      // With GAP_MS, a pause before the next ping: the previous round trip's tail has ended when it is sent.
      if (gapMs > 0) await new Promise((done) => setTimeout(done, gapMs));
    }
  } finally {
    sse.close();
  }
  return samples;
}

const results = new Map<string, { p50: number; p10: number; cpuMs: number }[]>();
const traces = new Map<string, Map<string, number[]>>();
/** Per path, the marks of the round trip whose time was the median, as lines. */
const typical = new Map<string, string[]>();
const record = (key: string, p50: number, p10: number, cpuMs: number) => results.set(key, [...(results.get(key) ?? []), { p50, p10, cpuMs }]);

/** The critical path's marks, in order, per path: the steps between them are printed as medians of each round trip's. */
const criticalPath: Record<string, string[]> = {
  hosted: [
    "srv http POST hosted",
    "srv sql COMMIT done",
    "srv ipc out reduceThenAfterAppend",
    "sbx ipc in reduceThenAfterAppend",
    "sbx ipc out host append",
    "srv ipc in host append",
    "srv sql COMMIT done #2",
    "client: pong seen",
  ],
  run: ["srv http POST run", "srv sql COMMIT done", "srv http POST run #2", "srv sql COMMIT done #2", "client: pong seen"],
};
const stepsOf = new Map<string, Map<string, number[]>>();

/** Every mark of the trace files within each sample's window, as ms from its ping. */
function collect(key: string, samples: Sample[], marks: { label: string; at: bigint }[]) {
  const steps = traces.get(key) ?? new Map<string, number[]>();
  traces.set(key, steps);
  const add = (label: string, ms: number) => steps.set(label, [...(steps.get(label) ?? []), ms]);
  let at = 0;
  const order = samples.map((sample, index) => ({ index, ms: Number(sample.pong - sample.sent) })).sort((a, b) => a.ms - b.ms);
  const middle = order[Math.floor(order.length / 2)]!.index;
  for (const [index, sample] of samples.entries()) {
    const end = samples[index + 1]?.sent ?? sample.pong + 5_000_000n;
    while (at < marks.length && marks[at]!.at < sample.sent) at++;
    const counts = new Map<string, number>();
    const firsts = new Map<string, number>([["client: pong seen", Number(sample.pong - sample.sent) / 1e6]]);
    add("client: ping acknowledged", Number(sample.acked - sample.sent) / 1e6);
    add("client: pong seen", Number(sample.pong - sample.sent) / 1e6);
    for (let k = at; k < marks.length && marks[k]!.at < end; k++) {
      const { label } = marks[k]!;
      const seen = (counts.get(label) ?? 0) + 1;
      counts.set(label, seen);
      add(seen > 1 ? `${label} #${seen}` : label, Number(marks[k]!.at - sample.sent) / 1e6);
      firsts.set(seen > 1 ? `${label} #${seen}` : label, Number(marks[k]!.at - sample.sent) / 1e6);
      if (index === middle) typical.set(key, [...(typical.get(key) ?? []), `${(Number(marks[k]!.at - sample.sent) / 1e6).toFixed(3).padStart(8)}  ${label}`]);
    }
    const wanted = criticalPath[key.split(" ")[0]!]!;
    if (wanted.every((label) => firsts.has(label))) {
      const steps = stepsOf.get(key) ?? new Map<string, number[]>();
      stepsOf.set(key, steps);
      let from = 0;
      for (const label of wanted) {
        steps.set(label, [...(steps.get(label) ?? []), firsts.get(label)! - from]);
        from = firsts.get(label)!;
      }
    }
    if (index === middle)
      typical.set(key, [
        ...(typical.get(key) ?? []),
        `${(Number(sample.acked - sample.sent) / 1e6).toFixed(3).padStart(8)}  (client: ping acknowledged)`,
        `${(Number(sample.pong - sample.sent) / 1e6).toFixed(3).padStart(8)}  (client: pong seen)`,
      ]);
  }
}

for (let round = 0; round < Number(rounds); round++) {
  const sides = Object.entries(checkouts);
  for (const [name, checkout] of round % 2 ? [...sides].reverse() : sides) {
    const traceDir = trace ? mkdtempSync(join(tmpdir(), "tributary-trace-")) : undefined;
    const server = await startServerProcess({
      fsync: "normal",
      script: serverScript,
      env: { HOSTED_PONG_SERVER: join(checkout, "packages/bench/src/server-child.ts"), ...(traceDir ? { TRACE_DIR: traceDir } : {}) },
    });
    const http = createHttpClient(server.url, { connections: 2 });
    const runner = spawn(process.execPath, [tributaryBin, "run", moduleFile, "--path", "/probe/run", "--url", server.url], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      await deploy(server.url, http, "/probe/hosted", { breakerRaised: true });
      await createBenchStream(http, "/api/streams/probe/run");
      await new Promise<void>((started) => {
        let text = "";
        runner.stderr!.on("data", (chunk: Buffer) => {
          text += chunk;
          if (/is running on/.test(text)) started();
        });
      });
      const paths: [string, string, number][] = [
        ["hosted", "/probe/hosted", server.pid],
        ["run", "/probe/run", runner.pid!],
      ];
      const sampled = new Map<string, Sample[]>();
      // Both warmed up first: the path measured first after a server's start was slower otherwise.
      for (const [, stream] of paths) await pingPong(server.url, http, stream, warmup);
      for (const [path, stream, pid] of round % 2 ? [...paths].reverse() : paths) {
        const cpuBefore = cpuMsOf(server.pid) + (pid === server.pid ? 0 : cpuMsOf(pid));
        const samples = await pingPong(server.url, http, stream, n);
        const cpuMs = cpuMsOf(server.pid) + (pid === server.pid ? 0 : cpuMsOf(pid)) - cpuBefore;
        const ms = samples.map((sample) => Number(sample.pong - sample.sent) / 1e6).sort((a, b) => a - b);
        const p50 = summarize(ms).p50;
        // The round trips least disturbed by the machine's other work: the tenth percentile.
        const p10 = ms[Math.floor(ms.length / 10)]!;
        record(`${path} ${name}`, p50, p10, cpuMs / n);
        sampled.set(path, samples);
        console.log(
          `round ${round + 1} ${name} ${path}: p50 ${p50.toFixed(3)} ms, p10 ${p10.toFixed(3)} ms, ${((cpuMs / n) * 1000).toFixed(0)} µs CPU per round trip`,
        );
      }
      if (traceDir) {
        // The processes write their marks after half a second idle.
        await new Promise((done) => setTimeout(done, 1500));
        const marks: { label: string; at: bigint }[] = [];
        for (const file of readdirSync(traceDir)) {
          const { labels, times } = JSON.parse(readFileSync(join(traceDir, file), "utf8")) as { labels: string[]; times: string[] };
          for (const [index, label] of labels.entries()) marks.push({ label, at: BigInt(times[index]!) });
        }
        marks.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
        for (const [path, samples] of sampled) {
          typical.delete(`${path} ${name}`);
          collect(`${path} ${name}`, samples, marks);
        }
      }
    } finally {
      runner.kill("SIGKILL");
      http.close();
      await server.close();
      if (traceDir) rmSync(traceDir, { recursive: true, force: true });
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [key, list] of [...results].sort()) {
  console.log(
    `${key}: median p50 ${median(list.map((r) => r.p50)).toFixed(3)} ms (${list.map((r) => r.p50.toFixed(3)).join(", ")}); median p10 ${median(list.map((r) => r.p10)).toFixed(3)} ms (${list.map((r) => r.p10.toFixed(3)).join(", ")}); CPU ${(median(list.map((r) => r.cpuMs)) * 1000).toFixed(0)} µs per round trip (${list.map((r) => (r.cpuMs * 1000).toFixed(0)).join(", ")})`,
  );
}
for (const name of Object.keys(checkouts)) {
  for (const figure of ["p50", "p10"] as const) {
    const hosted = results.get(`hosted ${name}`)!.map((r) => r[figure]);
    const run = results.get(`run ${name}`)!.map((r) => r[figure]);
    const overheads = hosted.map((value, index) => value - run[index]!);
    console.log(
      `${name}: hosted - run ${figure} per round: ${overheads.map((v) => (v * 1000).toFixed(0)).join(", ")} µs; median ${(median(overheads) * 1000).toFixed(0)} µs`,
    );
  }
}
for (const [key, steps] of traces) {
  console.log(`\n${key}: median ms from sending the ping (step from the line before)`);
  const total = steps.get("client: pong seen")!.length;
  let previous = 0;
  for (const [label, values] of [...steps].filter(([, values]) => values.length >= total / 2).sort((a, b) => median(a[1]) - median(b[1]))) {
    const at = median(values);
    console.log(`${at.toFixed(3).padStart(8)}  +${(at - previous).toFixed(3)}  ${label}${values.length < total ? ` (${values.length}/${total})` : ""}`);
    previous = at;
  }
  const critical = stepsOf.get(key);
  if (critical) {
    const complete = [...critical.values()][0]!.length;
    console.log(
      `\n${key}: the critical path, median of each step over the ${complete} round trips that had every mark (sum ${[...critical.values()].reduce((sum, values) => sum + median(values), 0).toFixed(3)} ms)`,
    );
    for (const [label, values] of critical) console.log(`  +${median(values).toFixed(3)}  to ${label}`);
  }
  console.log(`\n${key}: the marks of the median round trip (of the last round), from sending the ping`);
  for (const line of typical.get(key) ?? []) console.log(line);
}
rmSync(moduleDir, { recursive: true, force: true });
