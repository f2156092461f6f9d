/**
 * Probe (not part of `npm run bench`): where the agent's added time to first token goes. Starts a server
 * process, mock-llm and the agent as the bench does, sends inputs, and prints for each event of a run the
 * time a live reader saw it, from sending `agent-input-added`, with the mock model's own request
 * arrival beside it (median of the runs).
 *
 * Usage: node packages/bench/src/probes/agent-ttft-trace.ts [runs=20]
 */
import { startAgent, startMockLlm } from "@tributary/agent";
import { createEventsClient } from "@tributary/sdk";
import type { StoredEvent } from "@tributary/protocol";
import { startServerProcess } from "../server-process.ts";

const runs = Number(process.argv[2] ?? 20);
const server = await startServerProcess({ fsync: "normal" });
const llm = await startMockLlm();
const path = `/probe/agent-trace-${Date.now()}`;
const client = createEventsClient({ baseUrl: server.url });
const agent = await startAgent({
  baseUrl: server.url,
  path,
  agent: { baseUrl: llm.baseUrl, apiKey: "probe", model: "mock-model", api: "chat", contextWindowMs: 0 },
});
const controller = new AbortController();
let onEvent: (event: StoredEvent, at: number) => void = () => undefined;
const reading = (async () => {
  for await (const event of client.stream({ path, live: true, afterOffset: "end", signal: controller.signal })) onEvent(event, performance.now());
})().catch(() => undefined);

const steps = new Map<string, number[]>();
for (let i = 0; i < runs + 3; i++) {
  const seen: { label: string; at: number }[] = [];
  const ended = new Promise<void>((resolve) => {
    onEvent = (event, at) => {
      const text = event.type === "agent-output-chunk-received" ? (event.payload.text ? "(text)" : "(no text)") : "";
      seen.push({ label: `${event.type}${text}`, at });
      if (event.type === "agent-run-ended") resolve();
    };
  });
  const started = performance.now();
  await client.append({ path, event: { type: "agent-input-added", payload: { content: `hello ${i}` } } });
  const acknowledged = performance.now();
  await ended;
  if (i < 3) continue;
  const labels = new Map<string, number>();
  const record = (label: string, ms: number) => {
    const n = (labels.get(label) ?? 0) + 1;
    labels.set(label, n);
    const key = n > 1 ? `${label} #${n}` : label;
    steps.set(key, [...(steps.get(key) ?? []), ms]);
  };
  record("append acknowledged", acknowledged - started);
  for (const { label, at } of seen) record(label, at - started);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [label, values] of [...steps].sort((a, b) => median(a[1]) - median(b[1]))) console.log(`${median(values).toFixed(2).padStart(8)} ms  ${label}`);
controller.abort();
await reading;
await agent.stop();
await llm.close();
await server.close();
