/**
 * Probe (not part of `npm run bench`): the agent's time to first token step by step, set up as the
 * bench's agent group (the agent, mock-llm and the measuring reader in this process, the server in its
 * own), with a bare `openai` call before each run (A B A B). Each step's time from the start of the bare
 * call or from sending `agent-input-added`, median of the runs (so an order of medians, not of one run):
 * the agent's client is wrapped (when its live read yields an event, when its appends leave and are
 * answered) and node's diagnostics channels give the rest (mock-llm's request arriving, undici's model
 * request created, its headers and body written, the response's headers and end). Also this process's
 * CPU time per agent run, from the input to the first text chunk.
 *
 * `SHOW_RUNS=n` prints the first n runs in full; `PROFILE=file` writes a CPU profile of this process over
 * the measured runs (not the start and the warm-ups).
 *
 * Usage: node packages/bench/src/probes/agent-ttft-steps.ts [runs=50] [another build of packages/agent]
 */
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import OpenAI from "openai";
import * as thisAgent from "@tributary/agent";
import { createEventsClient, type EventsClient } from "@tributary/sdk";
import type { StoredEvent } from "@tributary/protocol";
import { startServerProcess } from "../server-process.ts";

const runs = Number(process.argv[2] ?? 50);
const warmups = 20;
const agentModule = process.argv[3] ? ((await import(pathToFileURL(resolve(process.argv[3], "src/index.ts")).href)) as typeof thisAgent) : thisAgent;
const server = await startServerProcess({ fsync: "normal" });
const llm = await agentModule.startMockLlm();
const path = `/probe/agent-steps-${Date.now()}`;
const client = createEventsClient({ baseUrl: server.url });
const openai = new OpenAI({ baseURL: llm.baseUrl, apiKey: "probe" });

let marks: { label: string; at: number }[] = [];
const mark = (label: string) => marks.push({ label, at: performance.now() });

// The agent's own client, wrapped: when its live read yields an event, when its appends leave and return.
const agentClient = createEventsClient({ baseUrl: server.url });
const wrapped: EventsClient = Object.assign(Object.create(null), agentClient, {
  stream(options: Parameters<EventsClient["stream"]>[0]) {
    const inner = agentClient.stream(options);
    return (async function* () {
      for await (const event of inner) {
        if (event.streamPath === path) mark(`agent read ${event.type}`);
        yield event;
      }
    })();
  },
  async append(input: Parameters<EventsClient["append"]>[0]) {
    mark(`agent append ${input.event.type} sent`);
    const stored = await agentClient.append(input);
    mark(`agent append ${input.event.type} answered`);
    return stored;
  },
  async appendBatch(input: Parameters<EventsClient["appendBatch"]>[0]) {
    const label = input.events.map((event) => event.type.replace(/^agent-/, "")).join("+");
    mark(`agent batch ${label} sent`);
    const stored = await agentClient.appendBatch(input);
    mark(`agent batch ${label} answered`);
    return stored;
  },
});
subscribe("http.server.request.start", () => mark("mock-llm request arrived"));
subscribe("undici:request:create", () => mark("model request created (undici)"));
subscribe("undici:client:sendHeaders", () => mark("model request headers (corked until the body)"));
subscribe("undici:request:bodySent", () => mark("model request body sent"));
subscribe("undici:request:headers", () => mark("model response headers"));
subscribe("undici:request:trailers", () => mark("model response ended"));

const agent = await agentModule.startAgent({
  client: wrapped,
  path,
  agent: { baseUrl: llm.baseUrl, apiKey: "probe", model: "mock-model", api: "chat", contextWindowMs: 0 },
});
const controller = new AbortController();
let onEvent: (event: StoredEvent) => void = () => undefined;
const reading = (async () => {
  for await (const event of client.stream({ path, live: true, afterOffset: "end", signal: controller.signal })) onEvent(event);
})().catch(() => undefined);

const tables = { bare: new Map<string, number[]>(), agent: new Map<string, number[]>() };
const cpuMs: number[] = [];
const collect = (into: Map<string, number[]>, started: number) => {
  const seen = new Map<string, number>();
  for (const { label, at } of marks) {
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    const key = n > 1 ? `${label} #${n}` : label;
    into.set(key, [...(into.get(key) ?? []), at - started]);
  }
};
const profiler = new Session();
profiler.connect();
for (let i = 0; i < runs + warmups; i++) {
  if (i === warmups && process.env.PROFILE) {
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.setSamplingInterval", { interval: 100 });
    await profiler.post("Profiler.start");
  }
  marks = [];
  const bareStarted = performance.now();
  const stream = await openai.chat.completions.create({ model: "mock-model", stream: true, messages: [{ role: "user", content: `hello ${i}` }] });
  for await (const chunk of stream) {
    const text = Boolean(chunk.choices[0]?.delta?.content);
    mark(text ? "bare call: first text chunk" : "bare call: a chunk without text");
    if (text) break;
  }
  if (i >= warmups) collect(tables.bare, bareStarted);

  marks = [];
  let cpuToFirstText = 0;
  const cpu = process.cpuUsage();
  const ended = new Promise<void>((resolve) => {
    onEvent = (event) => {
      const text = event.type === "agent-output-chunk-received" ? (event.payload.text ? " (text)" : " (no text)") : "";
      mark(`reader saw ${event.type}${text}`);
      if (text === " (text)" && cpuToFirstText === 0) {
        const used = process.cpuUsage(cpu);
        cpuToFirstText = (used.user + used.system) / 1000;
      }
      if (event.type === "agent-run-ended") resolve();
    };
  });
  const started = performance.now();
  await client.append({ path, event: { type: "agent-input-added", payload: { content: `hello ${i}` } } });
  mark("input append answered");
  await ended;
  if (i < warmups) continue;
  if (i < warmups + Number(process.env.SHOW_RUNS ?? 0))
    console.log(`${marks.map(({ label, at }) => `${(at - started).toFixed(2).padStart(8)} ${label}`).join("\n")}\n`);
  collect(tables.agent, started);
  cpuMs.push(cpuToFirstText);
}
if (process.env.PROFILE) writeFileSync(process.env.PROFILE, JSON.stringify((await profiler.post("Profiler.stop")).profile));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [title, table] of Object.entries(tables)) {
  console.log(title === "bare" ? "the bare call, from calling create():" : "the agent, from sending agent-input-added:");
  let previous = 0;
  for (const [label, values] of [...table].sort((a, b) => median(a[1]) - median(b[1]))) {
    if (values.length < runs / 2) continue; // a step of some runs only (a later chunk, the previous run's tail)
    const at = median(values);
    console.log(`${at.toFixed(2).padStart(8)} ms  (+${(at - previous).toFixed(2)})  ${label}`);
    previous = at;
  }
}
console.log(`this process's CPU per agent run to the first text chunk: p50 ${median(cpuMs).toFixed(2)} ms`);
controller.abort();
await reading;
await agent.stop();
await llm.close();
await server.close();
