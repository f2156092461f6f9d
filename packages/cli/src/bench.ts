import type { Command } from "./commands.ts";

/** `tributary bench`: the same as `npm run bench` (measures SPEC §10's targets, writes BENCHMARKS.md). */
export const benchCommand: Command = {
  summary: "measure the performance targets and write BENCHMARKS.md",
  async run(argv) {
    const { main } = await import("@tributary/bench");
    return main(argv);
  },
};
