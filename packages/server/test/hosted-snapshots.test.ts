import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { stateOf } from "./builtins-support.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";

// A snapshot every 300 events handled, so a history of a few thousand events gets several.
const sandbox = { snapshotEvery: 300 };
const patience = 90_000;

const counter = (slug: string) => `export default {
  slug: "${slug}",
  initialState: { ticks: 0, last: 0 },
  reduce: ({ event, state }) => (event.type === "tick" ? { ticks: state.ticks + 1, last: event.payload.n } : state),
};`;

async function tick(url: string, path: string, from: number, count: number): Promise<void> {
  for (let start = from; start < from + count; start += 200) {
    const events = Array.from({ length: Math.min(200, from + count - start) }, (_, index) => ({ type: "tick", payload: { n: start + index + 1 } }));
    const response = await fetch(`${url}/api/streams${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events }),
    });
    expect(response.status).toBe(201);
  }
}

const started = (events: StoredEvent[], slug: string) => events.filter((event) => event.type === "processor/started" && event.payload.slug === slug);
const stateIs = (server: TestServer, path: string, ticks: number) =>
  waitFor(
    async () => {
      const processor = (await stateOf(server.url, path))["hosted-processors"].processors[0];
      return processor?.status === "running" && processor.state?.ticks === ticks && processor;
    },
    `the state to count ${ticks} ticks`,
    patience,
  );

describe("hosted processor snapshots", { timeout: 300_000 }, () => {
  it("rebuilds after a restart from the latest snapshot of its state instead of reducing the whole long history, and a redeploy starts from nothing", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tributary-snapshots-"));
    const options = { sandbox, dataDir, keepDataDir: true, circuitBreaker: false as const };
    let server = await startTestServer(options);
    const path = "/snap/counter";
    try {
      await tick(server.url, path, 0, 1000);
      expect((await appendJson(server.url, path, { type: "processor/deployed", payload: { slug: "counter", script: counter("counter") } })).status).toBe(201);
      await stateIs(server, path, 1000);
      // The first start found no snapshot and reduced the history: 1,000 ticks and the deployment.
      const [first] = started(await readEvents(server.url, path), "counter");
      expect(first!.payload).toMatchObject({ reduced: 1001 });
      expect(first!.payload.snapshotOffset).toBeUndefined();

      await tick(server.url, path, 1000, 1500);
      await stateIs(server, path, 2500);
      const snapshots = await waitFor(
        async () => {
          const found = (await readEvents(server.url, path)).filter((event) => event.type === "processor/snapshotted");
          return found.length >= 3 && found;
        },
        "snapshots",
        patience,
      );
      for (const snapshot of snapshots) {
        expect(snapshot.appendedBy).toMatchObject({ kind: "processor", slug: "hosted-processors" });
        expect(snapshot.payload).toMatchObject({ slug: "counter", deployedOffset: 1001 });
      }
      const last = snapshots.at(-1)!;
      // What a snapshot holds is the state after its offset: here, the count of ticks up to there.
      const ticksUpTo = (await readEvents(server.url, path)).filter((event) => event.type === "tick" && event.offset <= Number(last.payload.offset)).length;
      expect(last.payload.state).toEqual({ ticks: ticksUpTo, last: ticksUpTo });

      // Nobody but the server writes a snapshot.
      const forged = await appendJson(server.url, path, {
        type: "processor/snapshotted",
        payload: { slug: "counter", deployedOffset: 1001, offset: 2, state: { ticks: 1e9 } },
      });
      expect(forged.status).toBeGreaterThanOrEqual(400);
      expect(forged.status).toBeLessThan(500);

      await server.close();
      server = await startTestServer(options);
      const restarted = await waitFor(
        async () => started(await readEvents(server.url, path), "counter").find((event) => event.offset > first!.offset),
        "the start after the restart",
        patience,
      );
      await stateIs(server, path, 2500);
      const events = await readEvents(server.url, path);
      const latest = events.filter((event) => event.type === "processor/snapshotted").at(-1)!;
      // Restored from the latest snapshot: only the events after it were reduced, not the 2,500 ticks.
      expect(restarted.payload.snapshotOffset).toBe(latest.payload.offset);
      expect(restarted.payload.reduced).toBeLessThan(300 + 10);
      const lastBefore = events.filter((event) => event.offset < restarted.offset).at(-1)!.offset;
      // (At most: the server may have stopped before the runner handled the last events, which it then follows live.)
      expect(restarted.payload.reduced).toBeLessThanOrEqual(lastBefore - Number(latest.payload.offset));

      // Events after the restart are counted on top of the restored state.
      await tick(server.url, path, 2500, 10);
      await stateIs(server, path, 2510);

      // A redeploy is a new processor: the old deployment's snapshots do not apply to it.
      expect((await appendJson(server.url, path, { type: "processor/deployed", payload: { slug: "counter", script: counter("counter") } })).status).toBe(201);
      const redeployed = await waitFor(
        async () => started(await readEvents(server.url, path), "counter").find((event) => event.offset > restarted.offset),
        "the redeploy's start",
        patience,
      );
      expect(redeployed.payload.snapshotOffset).toBeUndefined();
      expect(redeployed.payload.reduced).toBe(redeployed.payload.deployedOffset);
      await stateIs(server, path, 2510);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
