/**
 * Probe (not part of `npm run bench`): the server's append path without HTTP, layer by layer, in one
 * process (a real server from `startServer`, driven through its `parts`). Shows what each layer costs
 * per append and whether appends to ONE stream get group-committed.
 *
 * Usage: node packages/bench/src/probes/append-layers.ts [count=20000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "@tributary/server";
import type { StreamPath } from "@tributary/protocol";

const count = Number(process.argv[2] ?? 20_000);
const dataDir = mkdtempSync(join(tmpdir(), "tributary-probe-"));
const server = await startServer({ port: 0, dataDir, logLevel: "warn" });
const { store, appender, builtins } = server.parts;
const project = "default";
let streamNumber = 0;
const event = (i: number) => ({ type: "bench/appended", payload: { i } });
const configure = { type: "circuit-breaker/configured", payload: { maxEvents: 1_000_000, windowSeconds: 1 } };

type Append = (path: StreamPath, i: number) => Promise<unknown>;
const viaStore: Append = (path, i) => store.append({ project, path, events: [event(i)] });
const viaAppender: Append = (path, i) => appender.appendAsClient(project, path, [event(i)]);
const batch = (i: number) => Array.from({ length: 100 }, (_, k) => event(i * 100 + k));
const batchViaStore: Append = (path, i) => store.append({ project, path, events: batch(i) });
const batchViaAppender: Append = (path, i) => appender.appendAsClient(project, path, batch(i));

async function measure(name: string, append: Append, window: number, streams: number, eventsPerAppend = 1): Promise<void> {
  const paths = Array.from({ length: streams }, () => `/probe/s${++streamNumber}` as StreamPath);
  for (const path of paths) await appender.appendAsClient(project, path, [configure]);
  await builtins.settled();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const appends = count / eventsPerAppend;
  const worker = async (w: number) => {
    const path = paths[w % streams]!;
    while (next < appends) await append(path, next++);
  };
  await Promise.all(Array.from({ length: window }, (_, w) => worker(w)));
  await builtins.settled();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `${name.padEnd(52)} ${Math.round(count / seconds)
      .toLocaleString("en-US")
      .padStart(7)} events/s, ${((cpu.user + cpu.system) / count).toFixed(1)} µs CPU per event`,
  );
}

console.log(`${count.toLocaleString("en-US")} events per line, in-process, no HTTP (fsync normal):`);
for (let round = 0; round < 2; round++) {
  await measure("store.append, one by one, one stream", viaStore, 1, 1);
  await measure("store.append, 32 in flight, one stream", viaStore, 32, 1);
  await measure("appender.appendAsClient, one by one, one stream", viaAppender, 1, 1);
  await measure("appender.appendAsClient, 32 in flight, one stream", viaAppender, 32, 1);
  await measure("appender.appendAsClient, 32 in flight, 32 streams", viaAppender, 32, 32);
  await measure("store.append, batches of 100, 4 in flight, one stream", batchViaStore, 4, 1, 100);
  await measure("appender.appendAsClient, batches of 100, 4 in flight", batchViaAppender, 4, 1, 100);
}
await server.close();
rmSync(dataDir, { recursive: true, force: true });
