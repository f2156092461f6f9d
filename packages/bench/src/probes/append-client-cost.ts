/**
 * Probe (not part of `npm run bench`): what 32 concurrent appending clients cost the load generator
 * itself, against the bare HTTP floor (`floor-child.ts`) and Tributary, alternating. On two cores the
 * client and the server each get about one: when the client's CPU per append is the larger, the
 * throughput is the client's, whatever the server does. Prints appends/s, the server's and this
 * process's (the client's) CPU time per append, and the answer's size.
 *
 * Usage: NODE_OPTIONS=--conditions=tributary-source node packages/bench/src/probes/append-client-cost.ts [rounds=3] [seconds=3]
 */
import { fileURLToPath } from "node:url";
import { createHttpClient } from "../http-client.ts";
import { createProgress } from "../progress.ts";
import { measureAppendThroughput } from "../scenarios/append-throughput.ts";
import { startServerProcess } from "../server-process.ts";
import { tributaryWire } from "../wire.ts";

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 3);
const subjects = { floor: fileURLToPath(new URL("../floor-child.ts", import.meta.url)), tributary: undefined };
const progress = createProgress(rounds * 2);
let streams = 0;
for (let round = 0; round < rounds; round++) {
  for (const [name, script] of Object.entries(subjects)) {
    const server = await startServerProcess({ fsync: "normal", ...(script ? { script } : {}) });
    try {
      progress.step(`${name}, round ${round + 1}`);
      const stream = `/probe/client-${++streams}`;
      const probe = createHttpClient(server.url, { connections: 1 });
      const answer = await probe.post(`/api/streams${stream}-size`, '{"type":"bench/appended","payload":{"client":1,"n":1}}');
      const headerBytes = Object.entries(answer.headers).reduce((sum, [key, value]) => sum + key.length + String(value).length + 4, 0);
      probe.close();
      await server.stats();
      const cpu0 = process.cpuUsage();
      const result = await measureAppendThroughput(server.url, tributaryWire, {
        clients: 32,
        batchSize: 1,
        durationMs: seconds * 1000,
        warmupMs: 500,
        name: stream,
        progress,
      });
      const client = process.cpuUsage(cpu0);
      const stats = await server.stats();
      const appends = result.requests * ((seconds * 1000 + 500) / (seconds * 1000));
      const serverCpu = ((stats.cpuUserMs + stats.cpuSystemMs) * 1000) / appends;
      const clientCpu = (client.user + client.system) / appends;
      progress.done(
        `${name}: ${Math.round(result.eventsPerSecond).toLocaleString("en-US")} appends/s; server ${serverCpu.toFixed(1)} µs, client ${clientCpu.toFixed(1)} µs CPU per append; answer ${answer.body.length} B body, ~${headerBytes} B headers`,
      );
    } finally {
      await server.close();
    }
  }
}
