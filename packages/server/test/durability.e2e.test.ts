import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readEvents } from "./support/http.ts";
import { spawnServer } from "./support/server-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tributary-crash-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("durability", () => {
  it("keeps every acknowledged append across a kill -9 in the middle of concurrent appends", async () => {
    const first = await spawnServer(dataDir);
    const acknowledged = new Map<string, number>();
    let killed = false;
    const worker = async (id: number) => {
      for (let n = 0; !killed; n++) {
        const key = `${id}-${n}`;
        try {
          const response = await fetch(`${first.url}/api/streams/crash/test`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ type: "write", payload: { key } }),
          });
          if (response.status === 201) acknowledged.set(key, ((await response.json()) as { offset: number }).offset);
        } catch {
          return; // the server is gone
        }
      }
    };
    // Thousands of appends a second are the point here, not a runaway loop: lift this stream's circuit breaker.
    await fetch(`${first.url}/api/streams/crash/test`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "circuit-breaker/configured", payload: { maxEvents: 1_000_000, windowSeconds: 1 } }),
    });
    const workers = Array.from({ length: 16 }, (_, id) => worker(id));
    while (acknowledged.size < 500) await new Promise((resolve) => setTimeout(resolve, 5));
    const exited = new Promise((resolve) => first.child.once("exit", resolve));
    first.child.kill("SIGKILL");
    killed = true;
    await Promise.all(workers);
    await exited;

    const second = await spawnServer(dataDir);
    try {
      const events = await readEvents(second.url, "/crash/test");
      const offsets = events.map((event) => event.offset);
      expect(offsets).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
      const keys = events.map((event) => event.payload.key as string);
      expect(new Set(keys).size).toBe(keys.length);
      for (const [key, offset] of acknowledged) {
        expect(events[offset - 1]?.payload.key, `acknowledged ${key} at offset ${offset}`).toBe(key);
      }
      expect(events.length).toBeGreaterThanOrEqual(acknowledged.size);
      const next = await fetch(`${second.url}/api/streams/crash/test`, { method: "POST", body: '{"type":"after-restart"}' });
      expect(((await next.json()) as { offset: number }).offset).toBe(events.length + 1);
    } finally {
      const exited = new Promise((resolve) => second.child.once("exit", resolve));
      second.child.kill("SIGTERM");
      await exited;
    }
  });

  it("refuses a second server on the same data directory with a clear message", async () => {
    const first = await spawnServer(dataDir);
    try {
      await expect(spawnServer(dataDir)).rejects.toThrow(/in use by another Tributary server/);
    } finally {
      const exited = new Promise((resolve) => first.child.once("exit", resolve));
      first.child.kill("SIGTERM");
      await exited;
    }
  });
});
