/**
 * Probe (not part of `npm run bench`): the agent's added time to first token before and after a change,
 * in the same run: the agent of another checkout (the "before", e.g. main's, loaded from its sources)
 * and this one's, in turn (A B A B), on one Tributary server process, each round the p50 of `samples`,
 * and of this process's CPU time per agent sample (the agent, mock-llm and the reader; steadier than
 * times on a loaded machine).
 *
 * Usage: node packages/bench/src/probes/agent-ttft-ab.ts <another build of packages/agent> [rounds=3] [samples=30] [chunks=10 (the chunk-rate answer)]
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as after from "@tributary/agent";
import { measureAgentTtft } from "../agent-ttft.ts";
import { startServerProcess } from "../server-process.ts";
import { summarize } from "../stats.ts";

const [other, rounds = "3", samples = "30", chunks = "10"] = process.argv.slice(2);
if (!other) throw new Error("usage: agent-ttft-ab.ts <another build of packages/agent> [rounds] [samples]");
const before = (await import(pathToFileURL(resolve(other, "src/index.ts")).href)) as typeof after;
const server = await startServerProcess({ fsync: "normal" });
try {
  for (let round = 0; round < Number(rounds); round++) {
    for (const [name, agentModule] of [
      ["before", before],
      ["after", after],
    ] as const) {
      const ttft = await measureAgentTtft(server.url, { samples: Number(samples), chunks: Number(chunks), agentModule });
      const bare = summarize(ttft.bareMs).p50;
      const agent = summarize(ttft.agentMs).p50;
      const cpu = summarize(ttft.agentCpuMs).p50;
      console.log(
        `${name}: bare p50 ${bare.toFixed(2)} ms, agent p50 ${agent.toFixed(2)} ms, added ${(agent - bare).toFixed(2)} ms; this process's CPU per agent sample p50 ${cpu.toFixed(2)} ms; ${Math.round(ttft.chunksPerSecond)} chunks/s over ${ttft.chunks}`,
      );
    }
  }
} finally {
  await server.close();
}
