import { TributaryError } from "./errors.ts";

/** A read bound: an offset, or the symbolic `start` / `end` of the stream. */
export type OffsetCursor = number | "start" | "end";

/**
 * Parses `afterOffset` / `beforeOffset` query values: a non-negative integer, `start` or `end`.
 *
 * @example
 * parseOffsetCursor("afterOffset", "12") // 12
 */
export function parseOffsetCursor(name: string, raw: string | undefined | null): OffsetCursor | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (raw === "start" || raw === "end") return raw;
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  throw new TributaryError("invalid_cursor", `${name} must be a non-negative integer, 'start' or 'end'; got ${JSON.stringify(raw)}.`, {
    parameter: name,
  });
}

/** The exclusive lower bound an `afterOffset` cursor means, given the stream's last offset. */
export function lowerBound(cursor: OffsetCursor | undefined, lastOffset: number): number {
  if (cursor === undefined || cursor === "start") return 0;
  if (cursor === "end") return lastOffset;
  return cursor;
}

/** The exclusive upper bound a `beforeOffset` cursor means (`Infinity` for none). */
export function upperBound(cursor: OffsetCursor | undefined, lastOffset: number): number {
  if (cursor === undefined) return Number.POSITIVE_INFINITY;
  if (cursor === "start") return 1;
  if (cursor === "end") return lastOffset + 1;
  return cursor;
}
