import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBenchStream } from "../bench-stream.ts";
import { withDeadline } from "../deadline.ts";
import { createHttpClient, expectAppended, type HttpClient } from "../http-client.ts";
import type { Progress } from "../progress.ts";
import { createFrameScanner, openSse } from "../sse-reader.ts";
import { summarize, type LatencySummary } from "../stats.ts";
import { fillStream } from "./catch-up.ts";
import { tributaryWire } from "../wire.ts";
import { readProcessorCatchUp } from "./processor-catch-up.ts";

/**
 * The processor both sides run, as one plain module (no imports), so `tributary run` and the sandbox
 * load the very same file: it counts pings in `reduce` and answers each with a pong in `afterAppend`.
 */
export const echoModule = `export default {
  slug: "bench-echo",
  initialState: { events: 0 },
  reduce: ({ state }) => ({ events: state.events + 1 }),
  afterAppend: async ({ event, append }) => {
    if (event.type === "bench/ping") await append({ event: { type: "bench/pong", payload: { to: event.offset } } });
  },
};
`;

const tributaryBin = fileURLToPath(new URL("../../../tributary/bin/tributary.js", import.meta.url));

export interface HostedOverheadResult {
  /** Each round's ping → pong p50 (ms): hosted, and `tributary run`, interleaved round by round. */
  hostedP50s: number[];
  runP50s: number[];
  /** Every round's samples together. */
  hosted: LatencySummary;
  run: LatencySummary;
  /** Append of `processor/deployed` → `processor/started` on an empty stream: the first (sandbox process start), then the others. */
  coldDeployMs: number;
  warmDeployMs: number[];
  /** `tributary deploy <file>` as a process, end to end (Node start, esbuild bundle, append, wait for the start). */
  cliDeployMs: number[];
  catchUpEvents: number;
  /** Catch-up of `catchUpEvents` events: hosted (deploy → started, less the median warm deploy) and the SDK runtime in the bench process, µs per event. */
  hostedReduceUs: number;
  inProcessReduceUs: number;
}

/**
 * Hosted processors against the same processor run by the user (`tributary run`, the SDK's runtime in its
 * own process), on one server:
 *
 * 1. Live: sequential ping → pong round trips, each from sending the ping to a live SSE reader seeing
 *    the pong; the hosted processor (in the server's sandbox) and `tributary run` each on a stream of
 *    their own, in interleaved rounds. The per-event overhead is the difference of the p50s.
 * 2. Deploy cost: append `processor/deployed` on an empty stream until `processor/started` (the first in
 *    a server also starts the sandbox process), and `tributary deploy` as a process, end to end.
 * 3. Catch-up: the same processor deployed on a filled stream (deploy → started, less a warm deploy), per
 *    event, against the SDK runtime in the bench process reducing that stream.
 *
 * @example
 * const result = await measureHostedOverhead(url, { rounds: 3, roundTrips: 500, warmup: 50, deploys: 5, cliDeploys: 3, catchUp: 20_000, progress });
 */
export async function measureHostedOverhead(
  baseUrl: string,
  options: { rounds: number; roundTrips: number; warmup: number; deploys: number; cliDeploys: number; catchUp: number; progress: Progress },
): Promise<HostedOverheadResult> {
  const { progress } = options;
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-hosted-"));
  const file = join(dir, "bench-echo.mjs");
  writeFileSync(file, echoModule);
  const http = createHttpClient(baseUrl, { connections: 2 });
  try {
    progress.tick("hosted: deploying (starts the sandbox process)");
    const coldDeployMs = await deploy(baseUrl, http, "/bench/hosted/live", { breakerRaised: true });
    await createBenchStream(http, "/api/streams/bench/hosted/run");
    const runner = spawn(process.execPath, [tributaryBin, "run", file, "--path", "/bench/hosted/run", "--url", baseUrl], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const hostedRounds: Float64Array[] = [];
    const runRounds: Float64Array[] = [];
    try {
      await waitForOutput(runner.stderr!, /is running on/, 60_000, "tributary run did not start within 60 s");
      for (let round = 0; round < options.rounds; round++) {
        hostedRounds.push(await pingPong(baseUrl, http, "/bench/hosted/live", options, `round ${round + 1}, hosted`));
        runRounds.push(await pingPong(baseUrl, http, "/bench/hosted/run", options, `round ${round + 1}, tributary run`));
      }
    } finally {
      runner.kill("SIGKILL");
    }

    const warm: number[] = [];
    for (let i = 0; i < options.deploys; i++) {
      progress.tick(`deploy ${i + 1}/${options.deploys}`);
      warm.push(await deploy(baseUrl, http, `/bench/hosted/deploy-${i}`, { breakerRaised: false }));
    }
    const cli: number[] = [];
    for (let i = 0; i < options.cliDeploys; i++) {
      progress.tick(`tributary deploy ${i + 1}`);
      const started = performance.now();
      const code = await exitCode(
        spawn(process.execPath, [tributaryBin, "deploy", file, "--path", `/bench/hosted/cli-${i}`, "--url", baseUrl], { stdio: "ignore" }),
      );
      if (code !== 0) throw new Error(`tributary deploy exited with ${code}`);
      cli.push(performance.now() - started);
    }
    const stream = "/bench/hosted/catch-up";
    await fillStream(baseUrl, tributaryWire, { name: stream, count: options.catchUp, progress });
    // First the runtime in this process: its check wants exactly the filled events.
    const inProcessPerSecond = await readProcessorCatchUp(baseUrl, { name: stream, count: options.catchUp });
    progress.tick(`hosted catch-up of ${options.catchUp.toLocaleString("en-US")} events`);
    const hostedCatchUpMs = await deploy(baseUrl, http, stream, { breakerRaised: true });
    const joined = (rounds: Float64Array[]) => summarize(rounds.flatMap((samples) => [...samples]));
    return {
      hostedP50s: hostedRounds.map((samples) => summarize(samples).p50),
      runP50s: runRounds.map((samples) => summarize(samples).p50),
      hosted: joined(hostedRounds),
      run: joined(runRounds),
      coldDeployMs,
      warmDeployMs: warm,
      cliDeployMs: cli,
      catchUpEvents: options.catchUp,
      hostedReduceUs: (Math.max(0, hostedCatchUpMs - median(warm)) * 1000) / options.catchUp,
      inProcessReduceUs: 1_000_000 / inProcessPerSecond,
    };
  } finally {
    http.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Appends `processor/deployed` and resolves with the milliseconds until its `processor/started`. */
export async function deploy(baseUrl: string, http: HttpClient, stream: string, options: { breakerRaised: boolean }): Promise<number> {
  const path = `/api/streams${stream}`;
  if (options.breakerRaised) await createBenchStream(http, path).catch(() => undefined);
  let resolveStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (resolveStarted = resolve));
  const sse = await openSse(
    baseUrl,
    `${path}?live=true&afterOffset=end`,
    createFrameScanner((_, data) => {
      if (data.includes('"processor/started"')) resolveStarted();
      if (data.includes('"processor/suspended"')) resolveStarted();
    }),
  );
  try {
    const at = performance.now();
    expectAppended(await http.post(path, JSON.stringify({ type: "processor/deployed", payload: { slug: "bench-echo", script: echoModule } })));
    await withDeadline(started, 120_000, `the processor on ${stream} did not start within 120 s`);
    return performance.now() - at;
  } finally {
    sse.close();
  }
}

/** Sequential ping → pong round trips on a stream where a processor answers. */
async function pingPong(
  baseUrl: string,
  http: HttpClient,
  stream: string,
  options: { roundTrips: number; warmup: number; progress: Progress },
  who: string,
): Promise<Float64Array> {
  const path = `/api/streams${stream}`;
  const pongs = new Map<number, number>();
  let waiting: { offset: number; resolve: (at: number) => void } | undefined;
  const sse = await openSse(
    baseUrl,
    `${path}?live=true&afterOffset=end`,
    createFrameScanner((_, data) => {
      if (!data.includes('"bench/pong"')) return;
      const at = performance.now();
      const to = (JSON.parse(data) as { payload: { to: number } }).payload.to;
      if (waiting?.offset === to) waiting.resolve(at);
      else pongs.set(to, at);
    }),
  );
  const total = options.warmup + options.roundTrips;
  const samples = new Float64Array(options.roundTrips);
  try {
    for (let i = 0; i < total; i++) {
      const sent = performance.now();
      const response = await http.post(path, `{"type":"bench/ping","payload":{"i":${i}}}`);
      expectAppended(response);
      const offset = (JSON.parse(response.body) as { offset: number }).offset;
      const at =
        pongs.get(offset) ??
        (await withDeadline(new Promise<number>((resolve) => (waiting = { offset, resolve })), 30_000, `${who}: no pong for offset ${offset} within 30 s`));
      pongs.delete(offset);
      waiting = undefined;
      if (i >= options.warmup) samples[i - options.warmup] = at - sent;
      if (i % 100 === 0) options.progress.tick(`${who}: ${i} / ${total} round trips`);
    }
  } finally {
    sse.close();
  }
  return samples;
}

function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp, ms: number, message: string): Promise<void> {
  let text = "";
  return withDeadline(
    new Promise<void>((resolve) => {
      stream.on("data", (chunk: Buffer) => {
        text += chunk;
        if (pattern.test(text)) resolve();
      });
    }),
    ms,
    message,
  );
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
