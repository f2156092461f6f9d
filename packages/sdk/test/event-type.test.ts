import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { StoredEvent } from "@tributary/protocol";
import { defineEventType, matchEvent, TributaryError } from "../src/index.ts";

const Increment = defineEventType("increment", z.object({ by: z.number().int().default(1) }));
const Reset = defineEventType("reset", z.object({ reason: z.string() }));

const stored = (type: string, payload: Record<string, unknown>, offset = 1): StoredEvent => ({
  type,
  payload,
  streamPath: "/c",
  offset,
  createdAt: new Date(0).toISOString(),
});

describe("typed events", () => {
  it("creates event inputs with validated payloads and names what to fix", () => {
    expect(Increment.create({})).toEqual({ type: "increment", payload: { by: 1 } });
    expect(Increment.create({ by: 3 }, { idempotencyKey: "k" })).toEqual({ type: "increment", payload: { by: 3 }, idempotencyKey: "k" });
    let error: unknown;
    try {
      Increment.create({ by: 1.5 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe("invalid_event");
    expect((error as Error).message).toMatch(/Invalid increment payload: by:/);
  });

  it("recognises an event by type and schema, and parses its payload", () => {
    expect(Increment.is(stored("increment", { by: 2 }))).toBe(true);
    expect(Increment.is(stored("increment", { by: "two" }))).toBe(false);
    expect(Increment.is(stored("reset", { reason: "x" }))).toBe(false);
    expect(Increment.parse(stored("increment", {}))?.payload).toEqual({ by: 1 });
  });

  it("matches the first case that fits and returns undefined (state unchanged) otherwise", () => {
    const reduce = (count: number, event: StoredEvent) => matchEvent(event, [Increment.on((e) => count + e.payload.by), Reset.on(() => 0)]) ?? count;
    expect(reduce(1, stored("increment", { by: 4 }))).toBe(5);
    expect(reduce(5, stored("reset", { reason: "new day" }))).toBe(0);
    expect(reduce(5, stored("reset", {}))).toBe(5);
    expect(reduce(5, stored("unrelated", {}))).toBe(5);
  });
});
