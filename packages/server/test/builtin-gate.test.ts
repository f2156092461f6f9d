import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBuiltinGate } from "../src/builtins/host/builtin-gate.ts";
import { createBuiltinStates } from "../src/builtins/host/builtin-states.ts";
import { defaultBuiltins } from "../src/builtins/default-builtins.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";

// The gate over the test server's own store, so a reservation can be held in flight (never handed to the
// store, its release called when the test says): the appends "in flight" below are exactly that.
let server: TestServer;
let gate: ReturnType<typeof createBuiltinGate>;
beforeAll(async () => {
  server = await startTestServer({ circuitBreaker: false, quotas: { schedules: { perStream: 5, perProject: 2 } } });
  const { store, logger } = server.parts;
  const states = createBuiltinStates({ events: store, builtins: defaultBuiltins, logger });
  store.onCommit(states.onCommit);
  gate = createBuiltinGate({ states, builtins: defaultBuiltins, marks: store, quotas: { schedules: { perStream: 5, perProject: 2 } }, logger, now: Date.now });
});
afterAll(async () => {
  await server.close();
});

const note = { type: "note", payload: {} };
const pause = { type: "stream/paused", payload: { reason: "held" } };
const schedule = (slug: string) => ({ type: "schedule/configured", payload: { slug, event: { type: "tick" }, schedule: { kind: "every", seconds: 3600 } } });

describe("the built-ins' gate", () => {
  it("judges an append against one still in flight (its event folded only then), and forgets it when it fails", async () => {
    const paused = await gate.reserve("default", "/gate/held", [pause]);
    await expect(gate.reserve("default", "/gate/held", [note])).rejects.toMatchObject({ code: "stream_paused" });
    await expect(gate.reserve("default", "/gate/held", [note])).rejects.toMatchObject({ code: "stream_paused" });
    paused(false);
    const next = await gate.reserve("default", "/gate/held", [note]);
    next(true);
  });

  it("leaves nothing of a refused batch behind, though its first event was judged and passed", async () => {
    const first = await gate.reserve("default", "/gate/batch", [note]);
    // The pause passes, then the note after it is refused: the whole batch is, so the stream is not paused.
    await expect(gate.reserve("default", "/gate/batch", [pause, note])).rejects.toMatchObject({ code: "stream_paused" });
    const after = await gate.reserve("default", "/gate/batch", [note, note]);
    first(true);
    after(true);
  });

  it("counts another stream's configuration in flight against the project's quota", async () => {
    const { appender } = server.parts;
    // Both streams are marked for schedules (a committed configuration each): the project holds 2 of 2 after this.
    await appender.appendAsServer("gated", "/gate/a", [schedule("one")]);
    await appender.appendAsServer("gated", "/gate/b", [{ type: "schedule/cancelled", payload: { slug: "none" } }]);
    await expect(gate.reserve("gated", "/gate/b", [schedule("two"), schedule("three")])).rejects.toMatchObject({ code: "quota_exceeded" });
    // One more in flight on /gate/a (not committed, not folded yet): /gate/b may not take the last place.
    const held = await gate.reserve("gated", "/gate/a", [schedule("two")]);
    await expect(gate.reserve("gated", "/gate/b", [schedule("three")])).rejects.toMatchObject({ code: "quota_exceeded" });
    held(false);
    const placed = await gate.reserve("gated", "/gate/b", [schedule("three")]);
    placed(true);
  });
});
