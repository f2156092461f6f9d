/**
 * Probe (not part of `npm run bench`): the agent's model call against a bare `openai` call, in one process
 * against mock-llm, alternating call by call, without the agent around it: time to the first text chunk,
 * the steps of it (node's diagnostics channels: undici's request created, its headers, mock-llm's
 * request arriving, the response's headers) and this process's CPU per call (client and mock-llm).
 * Variants: the bare `openai` client (the global fetch), the agent's (`createModelClient` with the
 * outbound policy's fetch, npm undici with its own connector), and one over `node:http` (the request
 * written in one piece, the answer's body a web stream of the `IncomingMessage`) for comparison.
 *
 * Usage: node packages/bench/src/probes/model-call-ab.ts [calls=1000]
 */
import { subscribe } from "node:diagnostics_channel";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import OpenAI from "openai";
import { createModelClient, startMockLlm } from "@tributary/agent";
import { createModelFetch } from "../../../agent/src/llm/model-fetch.ts";

const calls = Number(process.argv[2] ?? 1000);
const warmups = 10;
const llm = await startMockLlm();
let marks: { label: string; at: number }[] = [];
const mark = (label: string) => marks.push({ label, at: performance.now() });
subscribe("undici:request:create", () => mark("request created (undici)"));
subscribe("undici:client:sendHeaders", () => mark("request headers (corked until the body)"));
subscribe("http.server.request.start", () => mark("mock-llm request arrived"));
subscribe("undici:request:headers", () => mark("response headers"));

const keepAlive = new HttpAgent({ keepAlive: true });
/** fetch over node:http: the request written in one piece, the answer's body a web stream of the IncomingMessage. */
const httpFetch = (url: string, init: RequestInit = {}) =>
  new Promise<Response>((resolve, reject) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => (headers[key] = value));
    const body = typeof init.body === "string" ? init.body : undefined;
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const req = httpRequest(url, { method: init.method ?? "GET", headers, agent: keepAlive }, (res) => {
      const answer = new Headers();
      for (const [key, value] of Object.entries(res.headers)) if (value !== undefined) answer.set(key, Array.isArray(value) ? value.join(", ") : value);
      resolve(new Response(Readable.toWeb(res) as ReadableStream, { status: res.statusCode ?? 0, headers: answer }));
    });
    req.on("error", reject);
    init.signal?.addEventListener("abort", () => req.destroy(new Error("aborted")), { once: true });
    req.end(body);
  });

const variants = {
  bare: new OpenAI({ baseURL: llm.baseUrl, apiKey: "probe" }),
  agent: createModelClient({ baseUrl: llm.baseUrl, apiKey: "probe", maxRetries: 0, fetch: createModelFetch([llm.baseUrl]) }),
  "node:http": new OpenAI({ baseURL: llm.baseUrl, apiKey: "probe", maxRetries: 0, fetch: httpFetch as never }),
};
const steps = new Map<string, Map<string, number[]>>();
for (let i = 0; i < calls + warmups; i++) {
  for (const [name, client] of Object.entries(variants)) {
    marks = [];
    const cpu = process.cpuUsage();
    const started = performance.now();
    const stream = await client.chat.completions.create({ model: "mock-model", stream: true, messages: [{ role: "user", content: `hello ${i}` }] });
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) break;
    mark("first text chunk");
    const used = process.cpuUsage(cpu);
    if (i < warmups) continue;
    let table = steps.get(name);
    if (!table) steps.set(name, (table = new Map()));
    for (const { label, at } of marks) table.set(label, [...(table.get(label) ?? []), at - started]);
    table.set("CPU per call (client and mock-llm)", [...(table.get("CPU per call (client and mock-llm)") ?? []), (used.user + used.system) / 1000]);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, table] of steps) {
  console.log(`${name}:`);
  for (const [label, values] of table) console.log(`${median(values).toFixed(3).padStart(8)} ms  ${label}`);
}
await llm.close();
