import { CliError } from "./cli-error.ts";
import type { Command } from "./command.ts";

/**
 * `tributary bench`: the same as `npm run bench` (measures SPEC §10's targets, writes BENCHMARKS.md). The
 * harness is a development tool of the repository, not shipped with the CLI: installed from npm, the
 * command says where to run it.
 */
export const benchCommand: Command = {
  summary: "measure the performance targets and write BENCHMARKS.md",
  async run(argv) {
    let bench: { main(argv: string[]): Promise<number> };
    try {
      // A variable specifier: the published CLI does not depend on the harness, so neither tsc nor a
      // bundler should treat it as a dependency.
      const harness = "@tributary/bench";
      bench = (await import(harness)) as typeof bench;
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && (error as Error).message.includes("'@tributary/bench'");
      if (!missing) throw error;
      throw new CliError(
        "tributary bench runs from a checkout of the Tributary repository (npm run bench there); the benchmark harness is not part of the installed CLI.",
      );
    }
    return bench.main(argv);
  },
};
