import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultBuiltins } from "../src/builtins/default-builtins.ts";
import { createBuiltinStates } from "../src/builtins/host/builtin-states.ts";
import { createLogger } from "../src/logger.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";

// A server shutting down closes its store: a load of a stream's built-in state still reading then must stop
// first, quietly, instead of reading from a closed store and logging "loading built-in state failed".
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Two pages of history (a load reads 5,000 events a page, and yields to the event loop between them). */
async function longHistory(store: ReturnType<typeof createSqliteStore>, path: string): Promise<void> {
  for (let done = 0; done < 6_000; done += 1_000)
    await store.append({ project: "default", path, events: Array.from({ length: 1_000 }, () => ({ type: "note", payload: {} })) });
}

async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), "tributary-states-close-"));
  dirs.push(dir);
  const store = createSqliteStore({ dataDir: dir });
  const logged: string[] = [];
  const logger = createLogger({ level: "warn", write: (line) => logged.push(line) });
  const states = createBuiltinStates({ events: store, builtins: defaultBuiltins, logger });
  return { store, logged, states };
}

describe("closing the built-ins' state", () => {
  it("stops a load under way before the store is closed, and starts none after", async () => {
    const { store, logged, states } = await setUp();
    await longHistory(store, "/long");
    const loading = states.load("default", "/long");
    const closing = states.close();
    await expect(loading).rejects.toThrow("the built-ins' state was closed (the server is shutting down)");
    await closing;
    await store.close();
    await expect(states.load("default", "/other")).rejects.toThrow("closed");
    expect(logged).toEqual([]);
  });

  it("loads a stream another commit names without logging a failure when the store closes under it", async () => {
    const { store, logged, states } = await setUp();
    await longHistory(store, "/heard");
    store.onCommit(states.onCommit);
    // A commit on a stream this server does not hold starts a load of its state (as another server's would).
    await store.append({ project: "default", path: "/heard", events: [{ type: "note", payload: {} }] });
    expect(states.holds("default", "/heard")).toBe(true);
    await states.close();
    await store.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logged).toEqual([]);
  });
});
