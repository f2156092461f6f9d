/**
 * Every figure BENCHMARKS.md reports, with its SPEC §10 target and the Durable Streams reference
 * server's figure as SPEC §10 quotes it. The Durable Streams face's rows have no target; their reference
 * figure is measured in the same run (groups.ts, `ds`).
 * The order here is the order of the report's table.
 */
export interface FigureSpec {
  id: string;
  label: string;
  unit: "ms" | "µs" | "appends/s" | "events/s" | "chunks/s";
  /** The target from SPEC §10; absent for figures that are shown for context only. */
  target?: { text: string; meets: (value: number) => boolean };
  reference?: string;
}

const atMost = (limit: number, unit: string) => ({ text: `≤ ${limit} ${unit}`, meets: (value: number) => value <= limit });
const atLeast = (limit: number, unit: string) => ({
  text: `≥ ${limit.toLocaleString("en-US")} ${unit}`,
  meets: (value: number) => value >= limit,
});

export const figures = [
  { id: "append.p50", label: "Sequential append latency p50", unit: "ms", target: atMost(0.5, "ms"), reference: "0.40 ms (in memory)" },
  { id: "append.p99", label: "Sequential append latency p99", unit: "ms", target: atMost(3, "ms") },
  { id: "append.full.p50", label: "Sequential append latency p50, `--fsync full`", unit: "ms" },
  { id: "append.full.p99", label: "Sequential append latency p99, `--fsync full`", unit: "ms" },
  {
    id: "concurrent",
    label: "Appends/s, one stream, 32 concurrent clients",
    unit: "appends/s",
    target: atLeast(10_000, "appends/s"),
    reference: "~18,000/s (in memory)",
  },
  {
    id: "concurrent.full",
    label: "Appends/s, one stream, 32 concurrent clients, `--fsync full`",
    unit: "appends/s",
    reference: "~600/s (syncing each append to disk)",
  },
  { id: "batch", label: "Events/s appended in batches (`{events:[…]}`)", unit: "events/s", target: atLeast(100_000, "events/s") },
  { id: "live.p50", label: "Append → live SSE reader round trip p50", unit: "ms", target: atMost(1, "ms") },
  { id: "fanout.p99", label: "1,000 SSE readers on one stream at 500 events/s, delivery p99", unit: "ms", target: atMost(50, "ms") },
  {
    id: "catchup.sse",
    label: "Catch-up read over SSE",
    unit: "events/s",
    target: atLeast(250_000, "events/s"),
    reference: "~270,000 events/s (in memory)",
  },
  { id: "catchup.json", label: "Catch-up read over `format=json` pages", unit: "events/s", target: atLeast(250_000, "events/s") },
  { id: "processor.reduce", label: "Processor catch-up (reduce)", unit: "events/s", target: atLeast(250_000, "events/s") },
  { id: "ds.append.p50", label: "Durable Streams face: sequential append latency p50", unit: "ms" },
  { id: "ds.concurrent", label: "Durable Streams face: appends/s, one stream, 32 concurrent clients", unit: "appends/s" },
  { id: "ds.catchup", label: "Durable Streams face: catch-up read following `Stream-Next-Offset`", unit: "events/s" },
  { id: "hosted.overhead", label: "Hosted-processor overhead per event", unit: "µs", target: atMost(50, "µs") },
  { id: "agent.ttft", label: "Agent time-to-first-token added over a bare `openai` call", unit: "ms", target: atMost(5, "ms") },
  { id: "agent.chunks", label: "Agent chunk events stored per second from a fast local model", unit: "chunks/s", target: atLeast(1_000, "chunks/s") },
] as const satisfies readonly FigureSpec[];

export type FigureId = (typeof figures)[number]["id"];

/**
 * A measured figure, or the reason it was not measured. A `reference` measured in the same run replaces
 * the quoted one. A `caveat` is printed next to the value; a
 * figure measured under a workload short of the target's (`shortOfWorkload`) is a miss whatever its value.
 */
export type FigureResult = { value: number; caveat?: string; shortOfWorkload?: boolean; reference?: string } | { notMeasured: string };
