/**
 * Probe (not part of `npm run bench`): how the agent's added time to first token moves as the process
 * warms up. One fresh process, one run of `measureAgentTtft` with many samples after 3 warm-ups (as the
 * bench had before 2 December),
 * printed as consecutive windows of `window` samples: each window's p50 for the bare call and the agent,
 * and of this process's CPU time per agent sample (the agent, mock-llm and the reader: less noisy than times).
 *
 * Usage: node packages/bench/src/probes/agent-ttft-warmup.ts [samples=180] [window=30]
 */
import { measureAgentTtft } from "../agent-ttft.ts";
import { startServerProcess } from "../server-process.ts";
import { summarize } from "../stats.ts";

const samples = Number(process.argv[2] ?? 180);
const window = Number(process.argv[3] ?? 30);
const server = await startServerProcess({ fsync: "normal" });
try {
  const ttft = await measureAgentTtft(server.url, { samples, chunks: 10, warmups: 3 });
  for (let from = 0; from < samples; from += window) {
    const bare = summarize(ttft.bareMs.slice(from, from + window)).p50;
    const agent = summarize(ttft.agentMs.slice(from, from + window)).p50;
    const cpu = summarize(ttft.agentCpuMs.slice(from, from + window)).p50;
    console.log(
      `samples ${from + 1}-${from + window}: bare p50 ${bare.toFixed(2)} ms, agent p50 ${agent.toFixed(2)} ms, added ${(agent - bare).toFixed(2)} ms; this process's CPU per agent sample p50 ${cpu.toFixed(2)} ms`,
    );
  }
} finally {
  await server.close();
}
