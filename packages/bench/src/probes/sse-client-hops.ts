/**
 * Probe (not part of `npm run bench`): what the SDK's HTTP client adds to a live hop. One server process,
 * one stream, two live readers of it in this process: the SDK's `client.stream` (fetch) and a raw
 * `node:http` reader; each sample is one append, sent alternately by the SDK's `client.append` (fetch) and
 * by a bare `node:http` POST on a kept-alive socket. Prints, per appender, the medians from sending the
 * append to its answer and to each reader seeing the event, and this process's CPU per sample.
 *
 * Usage: node packages/bench/src/probes/sse-client-hops.ts [samples=400]
 */
import { Agent, request } from "node:http";
import { createEventsClient } from "@tributary/sdk";
import { benchStreamConfiguration } from "../bench-stream.ts";
import { openSse } from "../sse-reader.ts";
import { startServerProcess } from "../server-process.ts";

const samples = Number(process.argv[2] ?? 400);
const server = await startServerProcess({ fsync: "normal" });
const path = `/probe/hops-${Date.now()}`;
const client = createEventsClient({ baseUrl: server.url });
await client.append({ path, event: JSON.parse(benchStreamConfiguration) });
const seen = { sdk: new Map<number, number>(), raw: new Map<number, number>() };
const controller = new AbortController();
const reading = (async () => {
  for await (const event of client.stream({ path, live: true, afterOffset: "end", signal: controller.signal })) seen.sdk.set(event.offset, performance.now());
})().catch(() => undefined);
let rest = "";
const raw = await openSse(server.url, `/api/streams${path}?live=true&afterOffset=1`, (text) => {
  const now = performance.now();
  rest += text;
  for (let at = rest.indexOf("\n\n"); at >= 0; at = rest.indexOf("\n\n")) {
    const frame = rest.slice(0, at);
    rest = rest.slice(at + 2);
    const id = /^id: (\d+)/m.exec(frame);
    if (id) seen.raw.set(Number(id[1]), now);
  }
});
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(server.url);
const rawAppend = (body: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: `/api/streams${path}?strict=true`,
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          const offset = (JSON.parse(text) as { offset?: number }).offset;
          if (offset === undefined) reject(new Error(`append answered ${res.statusCode}: ${text}`));
          else resolve(offset);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
const until = async (map: Map<number, number>, offset: number) => {
  while (!map.has(offset)) await new Promise((resolve) => setImmediate(resolve));
  return map.get(offset)!;
};
const figures = {
  sdk: { ack: [] as number[], sdk: [] as number[], raw: [] as number[], cpu: 0 },
  http: { ack: [] as number[], sdk: [] as number[], raw: [] as number[], cpu: 0 },
};
for (let i = 0; i < samples + 40; i++) {
  const kind = i % 2 === 0 ? "sdk" : "http";
  const body = { type: "probe/hop", payload: { i } };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const offset = kind === "sdk" ? (await client.append({ path, event: body })).offset : await rawAppend(JSON.stringify(body));
  const acked = performance.now();
  const [sdkAt, rawAt] = await Promise.all([until(seen.sdk, offset), until(seen.raw, offset)]);
  const used = process.cpuUsage(cpu);
  if (i < 40) continue;
  const f = figures[kind];
  f.ack.push(acked - started);
  f.sdk.push(sdkAt - started);
  f.raw.push(rawAt - started);
  f.cpu += (used.user + used.system) / 1000;
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(3);
for (const [kind, f] of Object.entries(figures))
  console.log(
    `append by ${kind.padEnd(4)}: answer ${median(f.ack)} ms, SDK reader ${median(f.sdk)} ms, raw reader ${median(f.raw)} ms; client CPU ${(f.cpu / f.ack.length).toFixed(3)} ms per sample`,
  );
controller.abort();
raw.close();
agent.destroy();
await reading;
await server.close();
