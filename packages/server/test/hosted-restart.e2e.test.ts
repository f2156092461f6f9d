import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { pingPongModule } from "./support/ping-pong-module.ts";
import { spawnServer } from "./support/server-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tributary-hosted-crash-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Starting the sandbox process takes seconds on a loaded machine: the waits here are generous.
const patience = 60_000;
const path = "/crash/pp";
const pings = 300;

describe("a deployed processor across a kill -9 of its server", { timeout: 180_000 }, () => {
  it("answers every ping exactly once: the calls after its last saved cursor run again after the restart, and their appends are stored once", async () => {
    const first = await spawnServer(dataDir);
    // Hundreds of events a second are the point here: lift the stream's circuit breaker.
    expect((await appendJson(first.url, path, { type: "circuit-breaker/configured", payload: { maxEvents: 1_000_000, windowSeconds: 1 } })).status).toBe(201);
    expect((await appendJson(first.url, path, { type: "processor/deployed", payload: { slug: "ping-pong", script: pingPongModule("pong") } })).status).toBe(
      201,
    );
    await waitFor(async () => (await readEvents(first.url, path)).some((event) => event.type === "processor/started"), "processor/started", patience);

    let killed = false;
    let sent = 0;
    const acknowledged: number[] = [];
    const worker = async () => {
      while (!killed && sent < pings) {
        sent++;
        try {
          const response = await appendJson(first.url, path, { type: "ping" });
          if (response.status === 201) acknowledged.push(((await response.json()) as StoredEvent).offset);
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    // Killed while the processor is answering: some pings answered, some not yet, the cursor between saves.
    await waitFor(async () => (await readEvents(first.url, path, "&types=pong")).length >= 30, "the first pongs", patience);
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    killed = true;
    first.child.kill("SIGKILL");
    await exited;
    await Promise.all(workers);

    const second = await spawnServer(dataDir);
    try {
      const stored = (await readEvents(second.url, path, "&types=ping")).map((event) => event.offset);
      // Every acknowledged ping survived the kill (and maybe some whose answer was lost with the server).
      expect(stored).toEqual(expect.arrayContaining(acknowledged));
      const answered = async () => {
        const pongs = await readEvents(second.url, path, "&types=pong");
        const sources = new Set(pongs.map((event) => event.payload.sourceOffset as number));
        return stored.every((offset) => sources.has(offset)) ? pongs : undefined;
      };
      const pongs = await waitFor(answered, "a pong for every stored ping", patience);
      // Let the processor finish whatever it runs again after the restart before counting.
      const marker = (await (await appendJson(second.url, path, { type: "ping" })).json()) as StoredEvent;
      await waitFor(
        async () => (await readEvents(second.url, path, "&types=pong")).some((event) => event.payload.sourceOffset === marker.offset),
        "the marker's pong",
        patience,
      );
      const final = (await readEvents(second.url, path, "&types=pong")).map((event) => event.payload.sourceOffset as number);
      expect(final.length).toBe(stored.length + 1);
      expect(new Set(final).size).toBe(final.length);
      expect(pongs.length).toBeGreaterThanOrEqual(stored.length);
    } finally {
      second.child.kill("SIGKILL");
    }
  });
});
