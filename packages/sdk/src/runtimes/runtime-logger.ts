import type { ProcessorLogger } from "@tributary/protocol";

export type RuntimeLogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface RuntimeLogger extends ProcessorLogger {
  child(fields: Record<string, unknown>): RuntimeLogger;
}

const rank: Record<RuntimeLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * The logger runtimes hand to processors: one readable line per entry on stderr
 * (`info  ping-pong: caught up {"path":"/jonas"}`), below `level` dropped.
 *
 * @example
 * const logger = createRuntimeLogger({ level: "info", fields: { processor: "ping-pong" } });
 * logger.info("caught up", { path: "/jonas" });
 */
export function createRuntimeLogger(
  options: { level?: RuntimeLogLevel; fields?: Record<string, unknown>; write?: (line: string) => void } = {},
): RuntimeLogger {
  const level = options.level ?? (process.env.TRIBUTARY_LOG_LEVEL as RuntimeLogLevel | undefined) ?? "info";
  const fields = options.fields ?? {};
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (at: Exclude<RuntimeLogLevel, "silent">) => (message: string, extra?: Record<string, unknown>) => {
    if (rank[at] < (rank[level] ?? rank.info)) return;
    const { processor, ...rest } = { ...fields, ...extra };
    const prefix = processor === undefined ? "" : `${String(processor)}: `;
    const tail = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
    write(`${at.padEnd(5)} ${prefix}${message}${tail}`);
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (more) => createRuntimeLogger({ level, fields: { ...fields, ...more }, write }),
  };
}
