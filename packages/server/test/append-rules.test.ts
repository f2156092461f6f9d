import { describe, expect, it } from "vitest";
import { buildEvent, buildEventParts } from "../src/store/append-rules.ts";
import type { PreparedEvent } from "../src/store/stream-store.ts";

const createdAt = "2026-12-02T15:00:00.000Z";
const inputs: PreparedEvent[] = [
  { type: "plain", payload: {} },
  { type: 'quoted "type"\nwith a newline', payload: { text: "line\none", nested: { list: [1, "two", null] } } },
  { type: "full", payload: { n: 1 }, metadata: { by: "test" }, idempotencyKey: "key-1", appendedBy: { kind: "token", id: "t1", name: "ci" } },
  { type: "some", payload: { n: 2 }, metadata: undefined, idempotencyKey: "key-2" },
];

describe("the stored envelope", () => {
  it("is the same JSON byte for byte whether built whole (SQLite) or in two parts around its offset (PostgreSQL's batch statement)", () => {
    for (const input of inputs) {
      for (const offset of [1, 42, 1_000_000]) {
        const whole = buildEvent("/a/b", offset, input, createdAt);
        const { event, head, tail } = buildEventParts("/a/b", input, createdAt);
        expect(`${head}${offset}${tail}`).toBe(whole.json);
        expect({ ...event, offset }).toEqual(whole.event);
      }
    }
  });
});
