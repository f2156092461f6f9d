import { defaultTtftWarmups, measureAgentTtft } from "../agent-ttft.ts";
import { addedAtMost, atLeast, spreadOf, type FigureSpec } from "../figures.ts";
import { n } from "../format.ts";
import { withSubjects, type BenchGroup } from "../group.ts";
import { summarize } from "../stats.ts";

const figures = [
  {
    id: "agent.ttft",
    label: "Agent time to first token (floor column: a bare `openai` call)",
    unit: "ms",
    better: "lower",
    target: addedAtMost("floor", 5, "ms", "a bare `openai` call"),
  },
  {
    id: "agent.chunks",
    label: "Agent chunk events stored per second from a fast local model",
    unit: "chunks/s",
    better: "higher",
    target: atLeast(1_000, "chunks/s"),
  },
] as const satisfies FigureSpec[];

/** The agent on Tributary (SQLite) against mock-llm: its added time to first token, and its chunk rate. */
export const group: BenchGroup = {
  name: "agent",
  order: 60,
  steps: () => 1,
  figures,
  async run(context) {
    await withSubjects(context, ["sqlite"], async ([server]) => {
      context.progress.step("the agent's time to first token and chunk rate");
      const perRound = context.quick ? 5 : 30;
      const warmups = context.quick ? 3 : defaultTtftWarmups;
      const ttft = await measureAgentTtft(server!.server.url, { samples: perRound * context.rounds, warmups, chunks: context.quick ? 500 : 5_000 });
      const rounds = (samples: number[]) =>
        Array.from({ length: context.rounds }, (_, round) => summarize(samples.slice(round * perRound, (round + 1) * perRound)).p50);
      const agent = spreadOf(rounds(ttft.agentMs));
      const bare = spreadOf(rounds(ttft.bareMs));
      context.results.set("agent.ttft", { values: { sqlite: agent, floor: bare } });
      context.results.set("agent.chunks", { values: { sqlite: spreadOf([ttft.chunksPerSecond]) } });
      context.progress.done(`agent adds ${(agent.median - bare.median).toFixed(2)} ms; ${n(ttft.chunksPerSecond)} chunks/s`);
      context.details.push(
        `- **Agent time to first token**: mock-llm (Chat Completions, echo script) in the bench process, the agent (\`startAgent\`, context window 0) on its own stream of Tributary (SQLite); ${perRound} samples per round after ${warmups} warm-ups (the warm path: the agent runs far more JavaScript than the bare call, and V8 compiles it over the first tens of samples), the bare call and the agent alternating sample by sample; each round's p50. Bare \`openai\` SDK streamed call to the first text chunk: ${bare.median.toFixed(2)} ms. Agent, from appending \`agent-input-added\` to a live reader seeing the first \`agent-output-chunk-received\`: ${agent.median.toFixed(2)} ms. Added: ${(agent.median - bare.median).toFixed(2)} ms.`,
        `- **Agent chunk rate**: the same agent answering with ${n(ttft.chunks)} words streamed by mock-llm without delay (one chunk each); a live reader of the stream from the first to the last \`agent-output-chunk-received\`: ${n(ttft.chunksPerSecond)} chunk events/s (one event per chunk, stored in \`{events:[…]}\` batches). One run.`,
      );
    });
  },
};
