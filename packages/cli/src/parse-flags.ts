import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./cli-error.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a command's flags with node:util's parseArgs; unknown flags and missing values become a
 * CliError that names the flag and points at --help.
 */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message.replace(/\. To specify.*$/s, "")}. See 'tributary ${command} --help'.`);
  }
}

/** Parses an integer flag value within a range. */
export function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new CliError(`--${name} must be an integer from ${min} to ${max}; got '${value}'.`);
  }
  return Number(value);
}
