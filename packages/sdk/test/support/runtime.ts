import { createRuntimeLogger, type RuntimeLogger } from "../../src/index.ts";

/** A logger that keeps its lines, so tests can assert on them and runs stay quiet. */
export function captureLogger(): RuntimeLogger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createRuntimeLogger({ level: "debug", write: (line) => lines.push(line) });
  return Object.assign(logger, { lines });
}
