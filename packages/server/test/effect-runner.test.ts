import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredEvent } from "@tributary/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppender } from "../src/append/appender.ts";
import { openGate } from "../src/append/gate.ts";
import { createEffectRunner } from "../src/builtins/host/effect-runner.ts";
import { createLogger } from "../src/logger.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";

let dir: string;
let store: ReturnType<typeof createSqliteStore>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tributary-effect-runner-"));
  store = createSqliteStore({ dataDir: dir });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const event = (offset: number): StoredEvent => ({ type: "note", payload: {}, streamPath: "/effects", offset, createdAt: new Date(0).toISOString() });

describe("the effect runner", () => {
  it("starts a commit's side effects after that task's microtasks (where the appends are answered) and before the next task", async () => {
    const order: string[] = [];
    const runner = createEffectRunner({
      builtins: [{ slug: "probe", effects: { afterAppend: ({ event: seen }) => void order.push(`afterAppend ${seen.offset}`) } }],
      appender: createAppender({ log: store, gate: openGate }),
      logger: createLogger({ level: "error" }),
      now: Date.now,
    });
    runner.activate();
    await new Promise<void>((resolve) => {
      // One task, as the write queue's commit is: the folded events are handed over, then the appends'
      // promises resolve and their answers are written a few microtasks later.
      setImmediate(() => {
        runner.event("default", "/effects", event(1), [undefined]);
        runner.event("default", "/effects", event(2), [undefined]);
        let answered: Promise<unknown> = Promise.resolve();
        for (let hop = 0; hop < 20; hop++) answered = answered.then(() => undefined);
        void answered.then(() => order.push("answered"));
        setImmediate(() => {
          order.push("next task");
          resolve();
        });
      });
    });
    expect(order).toEqual(["answered", "afterAppend 1", "afterAppend 2", "next task"]);
    await runner.settled();
  });

  it("counts side effects queued but not started yet as unsettled", async () => {
    const order: string[] = [];
    const runner = createEffectRunner({
      builtins: [{ slug: "probe", effects: { afterAppend: () => void order.push("afterAppend") } }],
      appender: createAppender({ log: store, gate: openGate }),
      logger: createLogger({ level: "error" }),
      now: Date.now,
    });
    runner.activate();
    runner.event("default", "/effects", event(1), [undefined]);
    expect(order).toEqual([]);
    await runner.settled();
    expect(order).toEqual(["afterAppend"]);
  });
});
