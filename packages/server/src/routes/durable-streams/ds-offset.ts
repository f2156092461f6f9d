import { TributaryError } from "@tributary/protocol";

const width = 16;

/**
 * A Durable Streams offset for "after Tributary offset `n`": the decimal offset, zero-padded to 16
 * digits, so offsets sort lexicographically as the protocol requires (PROTOCOL.md §8) and stay readable:
 * `0000000000000042` is the position after event 42, and the DS offset of a stream with 42 events.
 *
 * @example
 * formatDsOffset(42) // "0000000000000042"
 */
export function formatDsOffset(n: number): string {
  return String(n).padStart(width, "0");
}

/**
 * The beginning as the reference server (npm `@durable-streams/server`) spells it; clients and tests
 * written against that server hard-code it, so it is accepted as another name for `-1`.
 */
const referenceZero = "0000000000000000_0000000000000000";

/** A read's start: after a Tributary offset, or `now` (the tail, resolved later). */
export type DsReadStart = number | "now";

/**
 * Parses an `offset` query value: `-1` (the beginning), `now` (the tail) or an offset this server
 * handed out. The reference server's spelling of the beginning is accepted too. Anything else is a 400 (§5.6: malformed offsets are refused, never guessed at).
 */
export function parseDsOffset(raw: string, name = "offset"): DsReadStart {
  if (raw === "-1" || raw === referenceZero) return 0;
  if (raw === "now") return "now";
  if (new RegExp(`^\\d{${width}}$`).test(raw)) {
    const value = Number(raw);
    if (Number.isSafeInteger(value)) return value;
  }
  throw new TributaryError("invalid_query", `${name} must be -1, now, or an offset this server returned (16 digits); got ${JSON.stringify(raw)}.`, {
    parameter: name,
  });
}
