import { fileURLToPath } from "node:url";
import { measureAgentTtft } from "./agent-ttft.ts";
import type { createCpuAccounting } from "./cpu-accounting.ts";
import type { FigureId, FigureResult } from "./figures.ts";
import type { Progress } from "./progress.ts";
import { measureAppendLatency } from "./scenarios/append-latency.ts";
import { measureAppendThroughput } from "./scenarios/append-throughput.ts";
import { fillStream, measureJsonCatchUp, measureSseCatchUp } from "./scenarios/catch-up.ts";
import { measureFanOut } from "./scenarios/fan-out.ts";
import { measureLiveRoundTrip } from "./scenarios/live-round-trip.ts";
import { measureProcessorCatchUp } from "./scenarios/processor-catch-up.ts";
import { measureDsAppendLatency, measureDsCatchUp, measureDsConcurrent } from "./scenarios/durable-streams.ts";
import { summarize } from "./stats.ts";
import { startServerProcess, type ServerProcess, type ServerStats } from "./server-process.ts";
import type { LatencySummary } from "./stats.ts";

/** The benchmark's groups: each starts a fresh server process, so one group's data cannot slow another's. */
export const groupNames = ["appends", "durable", "fanout", "catchup", "ds", "unbuilt"] as const;
export type GroupName = (typeof groupNames)[number];

export interface GroupContext {
  quick: boolean;
  progress: Progress;
  results: Map<FigureId, FigureResult>;
  details: string[];
  cpu: ReturnType<typeof createCpuAccounting>;
  profileDir?: string | undefined;
}

/** How many progress steps each group shows. */
const steps: Record<GroupName, number> = { appends: 5, durable: 2, fanout: 1, catchup: 4, ds: 6, unbuilt: 1 };

/** Workload sizes: the full run stays within a few minutes on a 2-core machine. */
function sizesFor(quick: boolean) {
  return quick
    ? { sequential: 300, warmup: 50, durationMs: 1000, warmupMs: 200, roundTrips: 200, readers: 50, fanOutMs: 1000, catchUp: 10_000, runs: 1 }
    : { sequential: 5000, warmup: 500, durationMs: 5000, warmupMs: 1000, roundTrips: 2000, readers: 1000, fanOutMs: 10_000, catchUp: 200_000, runs: 3 };
}

/**
 * Runs the selected groups in order, recording every figure (measured, or why not) and a detail line
 * per scenario. Figures of groups not selected are recorded as not measured.
 *
 * @example
 * await runGroups(["appends"], { quick: true, progress, results, details });
 */
export async function runGroups(selected: GroupName[], context: GroupContext): Promise<void> {
  context.progress.setTotal(selected.reduce((total, name) => total + steps[name], 0));
  for (const name of groupNames) {
    if (selected.includes(name)) await groups[name](context);
  }
  for (const id of figureIdsOf(groupNames.filter((name) => !selected.includes(name)))) {
    context.results.set(id, { notMeasured: "not selected in this run (--only)" });
  }
}

function figureIdsOf(names: GroupName[]): FigureId[] {
  const ids: Record<GroupName, FigureId[]> = {
    appends: ["append.p50", "append.p99", "concurrent", "batch", "live.p50"],
    durable: ["append.full.p50", "append.full.p99", "concurrent.full"],
    fanout: ["fanout.p99"],
    catchup: ["catchup.sse", "catchup.json", "processor.reduce"],
    ds: ["ds.append.p50", "ds.concurrent", "ds.catchup"],
    unbuilt: ["hosted.overhead", "agent.ttft", "agent.chunks"],
  };
  return names.flatMap((name) => ids[name]);
}

const groups: Record<GroupName, (context: GroupContext) => Promise<void>> = {
  async appends(context) {
    const { progress, results, details } = context;
    const size = sizesFor(context.quick);
    await withServer(context, "normal", async (server) => {
      progress.step("sequential appends, one client (fsync normal)");
      const latency = await measureAppendLatency(server.url, { count: size.sequential, warmup: size.warmup, path: "/api/streams/bench/sequential", progress });
      const stats = await server.stats();
      results.set("append.p50", { value: latency.p50 });
      results.set("append.p99", { value: latency.p99 });
      progress.done(`p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}`);
      details.push(`- **Sequential appends** (fsync normal): ${n(size.sequential)} single-event appends after ${n(size.warmup)} warm-up, one client, one keep-alive connection, each sent when the previous was acknowledged. ${latencyText(latency)}. ${serverText(stats, size.sequential + size.warmup, "append")}`);

      progress.step("32 concurrent clients on one stream (fsync normal)");
      const concurrent = await measureAppendThroughput(server.url, { clients: 32, batchSize: 1, durationMs: size.durationMs, warmupMs: size.warmupMs, path: "/api/streams/bench/concurrent", progress });
      const concurrentStats = await server.stats();
      results.set("concurrent", { value: concurrent.requestsPerSecond });
      progress.done(`${n(concurrent.requestsPerSecond)} appends/s`);
      details.push(`- **32 concurrent clients, one stream** (fsync normal): 32 keep-alive connections, each appending one event as soon as its previous append was acknowledged, ${seconds(size.durationMs)} measured after ${seconds(size.warmupMs)} warm-up; ${n(concurrent.requests)} appends. Latency under this load: ${latencyText(concurrent.latency)}. ${serverText(concurrentStats, undefined, "append")}`);

      progress.step("32 concurrent clients, each on its own stream (diagnostic)");
      const spread = await measureAppendThroughput(server.url, { clients: 32, batchSize: 1, durationMs: size.durationMs, warmupMs: size.warmupMs, path: "/api/streams/bench/spread", streamPerClient: true, progress });
      const spreadStats = await server.stats();
      progress.done(`${n(spread.requestsPerSecond)} appends/s`);
      details.push(`- **32 concurrent clients, 32 streams** (diagnostic, no target): the same load with each client on its own stream: ${n(spread.requestsPerSecond)} appends/s, ${latencyText(spread.latency)}. ${serverText(spreadStats, undefined, "append")}`);

      progress.step("batches of 100 events, 4 clients (fsync normal)");
      const batches = await measureAppendThroughput(server.url, { clients: 4, batchSize: 100, durationMs: size.durationMs, warmupMs: size.warmupMs, path: "/api/streams/bench/batches", progress });
      const batchStats = await server.stats();
      results.set("batch", { value: batches.eventsPerSecond });
      progress.done(`${n(batches.eventsPerSecond)} events/s`);
      details.push(`- **Batches** (fsync normal): 4 clients on one stream, each sending \`{events:[…]}\` of 100 events when its previous batch was acknowledged, ${seconds(size.durationMs)} measured; ${n(batches.requestsPerSecond)} batches/s. Batch latency: ${latencyText(batches.latency)}. ${serverText(batchStats, undefined, "batch")}`);

      progress.step("append → live SSE reader round trip");
      const live = await measureLiveRoundTrip(server.url, { count: size.roundTrips, warmup: Math.round(size.roundTrips / 10), stream: "/bench/live", progress });
      results.set("live.p50", { value: live.p50 });
      progress.done(`p50 ${ms(live.p50)}`);
      details.push(`- **Live round trip**: one live SSE reader (\`?live=true\`), one client appending sequentially; ${n(live.count)} samples, each from sending the append to the reader receiving the event. ${latencyText(live)}.`);
    });
  },

  async durable(context) {
    const { progress, results, details } = context;
    const size = sizesFor(context.quick);
    await withServer(context, "full", async (server) => {
      const count = Math.round(size.sequential / 2);
      progress.step("sequential appends, one client (fsync full)");
      const latency = await measureAppendLatency(server.url, { count, warmup: size.warmup, path: "/api/streams/bench/sequential", progress });
      const stats = await server.stats();
      results.set("append.full.p50", { value: latency.p50 });
      results.set("append.full.p99", { value: latency.p99 });
      progress.done(`p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}`);
      details.push(`- **Sequential appends, \`--fsync full\`**: ${n(count)} appends after ${n(size.warmup)} warm-up, as above but every commit fsyncs the WAL. ${latencyText(latency)}. ${serverText(stats, count + size.warmup, "append")}`);

      progress.step("32 concurrent clients on one stream (fsync full)");
      const concurrent = await measureAppendThroughput(server.url, { clients: 32, batchSize: 1, durationMs: size.durationMs, warmupMs: size.warmupMs, path: "/api/streams/bench/concurrent", progress });
      const concurrentStats = await server.stats();
      results.set("concurrent.full", { value: concurrent.requestsPerSecond });
      progress.done(`${n(concurrent.requestsPerSecond)} appends/s`);
      details.push(`- **32 concurrent clients, one stream, \`--fsync full\`**: as above; ${n(concurrent.requests)} appends. ${latencyText(concurrent.latency)}. ${serverText(concurrentStats, undefined, "append")}`);
    });
  },

  async fanout(context) {
    const { progress, results, details } = context;
    const size = sizesFor(context.quick);
    await withServer(context, "normal", async (server) => {
      progress.step(`${n(size.readers)} live SSE readers on one stream at 500 events/s`);
      const fanOut = await measureFanOut(server.url, { readers: size.readers, rate: 500, durationMs: size.fanOutMs, stream: "/bench/fan-out", progress });
      const stats = await server.stats();
      context.cpu.addChild(fanOut.readerCpuMs);
      const caveats: string[] = [];
      if (fanOut.achievedRate < 0.95 * 500 || fanOut.cutShort) caveats.push(`the server sustained only ${n(fanOut.achievedRate)} of 500 events/s`);
      if (fanOut.readers !== 1000) caveats.push(`${n(fanOut.readers)} readers in --quick mode`);
      results.set("fanout.p99", { value: fanOut.latency.p99, ...(caveats.length > 0 ? { caveat: caveats.join("; "), shortOfWorkload: true } : {}) });
      progress.done(`p99 ${ms(fanOut.latency.p99)} over ${n(fanOut.latency.count)} deliveries`);
      details.push(`- **Fan-out**: ${n(fanOut.readers)} live SSE readers (in their own process) on one stream; one client appends ${n(fanOut.events)} events at 500/s (achieved ${n(fanOut.achievedRate)}/s, open loop${fanOut.cutShort ? "; cut short: the appends fell too far behind" : ""}). Each event carries its send time; each delivery is one sample: ${latencyText(fanOut.latency)} over ${n(fanOut.latency.count)} deliveries. ${n(fanOut.complete)} of ${n(fanOut.readers)} readers got every event (fewest: ${n(fanOut.fewest)}). The readers' process used ${n(fanOut.readerCpuMs)} ms of CPU. ${serverText(stats, undefined, "event")}`);
    });
  },

  async catchup(context) {
    const { progress, results, details } = context;
    const size = sizesFor(context.quick);
    const stream = "/bench/catch-up";
    await withServer(context, "normal", async (server) => {
      progress.step(`filling a stream with ${n(size.catchUp)} events`);
      const fillStarted = performance.now();
      await fillStream(server.url, { stream, count: size.catchUp, progress });
      progress.done(`filled in ${seconds(performance.now() - fillStarted)}`);
      await server.stats();

      progress.step("catch-up read over SSE");
      const sse = await measureSseCatchUp(server.url, { stream, count: size.catchUp, runs: size.runs, progress });
      const sseStats = await server.stats();
      results.set("catchup.sse", { value: sse.eventsPerSecond });
      progress.done(`${n(sse.eventsPerSecond)} events/s`);
      details.push(`- **Catch-up over SSE**: a finite SSE read of a ${n(size.catchUp)}-event stream (${n(sse.bytesPerEvent)} bytes per SSE frame), frames counted as they arrive, not parsed; median of ${size.runs} run(s): ${sse.runs.map(n).join(", ")} events/s; ${sse.megabytesPerSecond.toFixed(0)} MiB/s at best. ${serverText(sseStats, undefined, "")}`);

      progress.step("catch-up read over format=json pages");
      const json = await measureJsonCatchUp(server.url, { stream, count: size.catchUp, runs: size.runs, progress });
      const jsonStats = await server.stats();
      results.set("catchup.json", { value: json.eventsPerSecond });
      progress.done(`${n(json.eventsPerSecond)} events/s`);
      details.push(`- **Catch-up over JSON pages**: \`?format=json&limit=10000\` pages following \`nextAfterOffset\`, one keep-alive connection, only each page's trailer parsed; median of ${size.runs} run(s): ${json.runs.map(n).join(", ")} events/s. ${serverText(jsonStats, undefined, "")}`);

      progress.step("processor catch-up (reduce)");
      const reduce = await measureProcessorCatchUp(server.url, { stream, count: size.catchUp, runs: size.runs, progress });
      const reduceStats = await server.stats();
      results.set("processor.reduce", { value: reduce.eventsPerSecond });
      progress.done(`${n(reduce.eventsPerSecond)} events/s`);
      details.push(`- **Processor catch-up**: the SDK's \`PullProcessorRuntime\` (in the bench process) on the same ${n(size.catchUp)}-event stream with a counting \`reduce\`, from \`start()\` until caught up (count checked); median of ${size.runs} run(s): ${reduce.runs.map(n).join(", ")} events/s. ${serverText(reduceStats, undefined, "")}`);
    });
  },

  async ds(context) {
    const { progress, results, details } = context;
    const size = sizesFor(context.quick);
    const sequential = Math.round(size.sequential / 2);
    const catchUp = Math.round(size.catchUp / 4);
    type Figures = { latency: LatencySummary; concurrent: Awaited<ReturnType<typeof measureDsConcurrent>>; catchUp: Awaited<ReturnType<typeof measureDsCatchUp>> };
    const measure = async (who: string, server: ServerProcess): Promise<Figures> => {
      progress.step(`${who}: sequential Durable Streams appends`);
      const latency = await measureDsAppendLatency(server.url, { count: sequential, warmup: size.warmup, path: "/v1/stream/bench/ds-sequential", progress });
      progress.done(`p50 ${ms(latency.p50)}`);
      progress.step(`${who}: 32 concurrent Durable Streams clients on one stream`);
      const concurrent = await measureDsConcurrent(server.url, { clients: 32, durationMs: size.durationMs, warmupMs: size.warmupMs, path: "/v1/stream/bench/ds-concurrent", progress });
      progress.done(`${n(concurrent.appendsPerSecond)} appends/s`);
      progress.step(`${who}: Durable Streams catch-up read`);
      const read = await measureDsCatchUp(server.url, { count: catchUp, runs: size.runs, path: "/v1/stream/bench/ds-catch-up", progress });
      progress.done(`${n(read.eventsPerSecond)} messages/s`);
      return { latency, concurrent, catchUp: read };
    };
    let tributary: Figures | undefined;
    await withServer(context, "normal", async (server) => {
      tributary = await measure("Tributary", server);
    });
    let reference: Figures | string;
    try {
      reference = "not measured";
      await withServer(
        context,
        "normal",
        async (server) => {
          reference = await measure("reference server", server);
        },
        dsReferenceScript,
      );
    } catch (error) {
      reference = `could not run: ${(error as Error).message}`;
    }
    const t = tributary!;
    const ref = (pick: (figures: Figures) => string) => (typeof reference === "string" ? reference : `${pick(reference)} (measured in this run)`);
    results.set("ds.append.p50", { value: t.latency.p50, reference: ref((r) => ms(r.latency.p50)) });
    results.set("ds.concurrent", { value: t.concurrent.appendsPerSecond, reference: ref((r) => `${n(r.concurrent.appendsPerSecond)} appends/s`) });
    results.set("ds.catchup", { value: t.catchUp.eventsPerSecond, reference: ref((r) => `${n(r.catchUp.eventsPerSecond)} events/s`) });
    const side = (pick: (figures: Figures) => string) => `Tributary ${pick(t)}; reference server ${typeof reference === "string" ? reference : pick(reference)}`;
    details.push(
      `- **Durable Streams face** (\`/v1/stream\`, JSON streams; the reference server is npm \`@durable-streams/server\` file-backed, each in its own process under the same workload): ${n(sequential)} sequential appends after ${n(size.warmup)} warm-up, ${side((f) => latencyText(f.latency))}. 32 concurrent clients on one stream for ${seconds(size.durationMs)}: ${side((f) => `${n(f.concurrent.appendsPerSecond)} appends/s (${latencyText(f.concurrent.latency)})`)}. Catch-up of ${n(catchUp)} messages following \`Stream-Next-Offset\`: ${side((f) => `${n(f.catchUp.eventsPerSecond)} messages/s in ${n(f.catchUp.pagesPerRead)} pages`)}.`,
    );
  },

  async unbuilt(context) {
    context.progress.step("hosted processors and the agent");
    context.results.set("hosted.overhead", { notMeasured: "feature not built yet" });
    await withServer(context, "normal", async (server) => {
      const samples = context.quick ? 10 : 50;
      const ttft = await measureAgentTtft(server.url, { samples });
      const bare = summarize(ttft.bareMs).p50;
      const agent = summarize(ttft.agentMs).p50;
      context.results.set("agent.ttft", { value: agent - bare });
      context.results.set("agent.chunks", { value: ttft.chunksPerSecond });
      context.details.push(
        `- **Agent time to first token**: mock-llm (Chat Completions, echo script) in the bench process, the agent (\`startAgent\`, context window 0) on its own stream; ${samples} samples each after 3 warm-ups. Bare \`openai\` SDK streamed call to the first text chunk: p50 ${bare.toFixed(2)} ms. Agent, from appending \`agent-input-added\` to a live reader seeing the first \`agent-output-chunk-received\`: p50 ${agent.toFixed(2)} ms. Added: ${(agent - bare).toFixed(2)} ms.`,
      );
      context.details.push(
        `- **Agent chunk rate**: the same agent answering with ${ttft.chunks} words streamed by mock-llm without delay (one chunk each); a live reader of the stream from the first to the last \`agent-output-chunk-received\`: ${Math.round(ttft.chunksPerSecond)} chunk events/s (one event per chunk, stored in \`{events:[…]}\` batches).`,
      );
      context.progress.done(`agent adds ${(agent - bare).toFixed(2)} ms; ${Math.round(ttft.chunksPerSecond)} chunks/s`);
    });
  },
};

const dsReferenceScript = fileURLToPath(new URL("./ds-reference-child.ts", import.meta.url));

async function withServer(context: GroupContext, fsync: "normal" | "full", work: (server: ServerProcess) => Promise<void>, script?: string): Promise<void> {
  const server = await startServerProcess({ fsync, cpuProfileDir: context.profileDir, ...(script ? { script } : {}) });
  try {
    // Starts the server's CPU and event-loop figures afresh, so start-up does not count as work.
    await server.stats();
    await work(server);
  } finally {
    context.cpu.addChild(await server.close());
  }
}

const n = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
const seconds = (milliseconds: number) => `${(milliseconds / 1000).toFixed(milliseconds < 10_000 ? 1 : 0)} s`;
const latencyText = (l: LatencySummary) => `p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`;

/** What the server process did during a scenario: CPU per unit of work and how busy its event loop was. */
function serverText(stats: ServerStats, units: number | undefined, unit: string): string {
  const cpuMs = stats.cpuUserMs + stats.cpuSystemMs;
  const perUnit = units ? `, ${n((cpuMs * 1000) / units)} µs per ${unit}` : "";
  return `Server process: ${n(cpuMs)} ms CPU in ${n(stats.wallMs)} ms (${((100 * cpuMs) / stats.wallMs).toFixed(0)}% of a core${perUnit}), event loop ${(100 * stats.eventLoopUtilization).toFixed(0)}% busy, loop delay p99 ${ms(stats.eventLoopDelayP99Ms)}.`;
}
