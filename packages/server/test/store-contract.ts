import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sseFrame, type StoredEvent } from "@tributary/protocol";
import type { CommittedStreamEvents, StreamStore } from "../src/store/stream-store.ts";

/** How a backend's test file provides stores: a fresh one, and (optionally) the same data reopened. */
export interface StoreFactory {
  create(): Promise<StreamStore>;
  /** Closes `store` and opens a new store on the same data; omit for backends without persistence. */
  reopen?(store: StreamStore): Promise<StreamStore>;
  cleanup?(): Promise<void>;
}

const parse = (records: { json: string }[]) => records.map((record) => JSON.parse(record.json) as StoredEvent);
const text = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");

/**
 * The contract every StreamStore implementation must pass. A new backend adds one test file that calls
 * this with its factory (see sqlite-store.test.ts).
 */
export function describeStreamStoreContract(name: string, factory: StoreFactory): void {
  describe(`StreamStore contract: ${name}`, () => {
    let store: StreamStore;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await store.close();
      await factory.cleanup?.();
    });

    it("assigns dense offsets from 1 and returns the stored envelopes", async () => {
      const result = await store.append({
        project: "p",
        path: "/a",
        events: [
          { type: "x", payload: { n: 1 } },
          { type: "y", payload: {} },
        ],
      });
      expect(result.events.map((e) => [e.event.offset, e.event.type, e.replayed])).toEqual([
        [1, "x", false],
        [2, "y", false],
      ]);
      expect(JSON.parse(result.events[0]!.json)).toEqual(result.events[0]!.event);
      const next = await store.append({ project: "p", path: "/a", events: [{ type: "z", payload: {} }] });
      expect(next.events[0]!.event).toMatchObject({ offset: 3, streamPath: "/a" });
    });

    it("keeps offsets dense under many concurrent appends", async () => {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.append({ project: "p", path: "/c", events: [{ type: "n", payload: { i } }] })));
      const events = parse(await store.read("p", "/c", { afterOffset: 0, limit: 1000 }));
      expect(events.map((e) => e.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(new Set(events.map((e) => e.payload.i)).size).toBe(100);
    });

    it("creates ancestors with stream/child-created events in the same append", async () => {
      const result = await store.append({ project: "p", path: "/x/y/z", events: [{ type: "t", payload: {} }] });
      expect(result.createdPaths).toEqual(["/", "/x", "/x/y", "/x/y/z"]);
      const root = parse(await store.read("p", "/", { afterOffset: 0, limit: 10 }));
      expect(root.map((e) => e.payload.childPath)).toEqual(["/x", "/x/y", "/x/y/z"]);
      const xy = parse(await store.read("p", "/x/y", { afterOffset: 0, limit: 10 }));
      expect(xy.map((e) => [e.type, e.payload.childPath])).toEqual([["stream/child-created", "/x/y/z"]]);
    });

    it("returns the original event for a repeated idempotency key, also within one batch", async () => {
      const first = await store.append({ project: "p", path: "/i", events: [{ type: "a", payload: {}, idempotencyKey: "k" }] });
      const again = await store.append({ project: "p", path: "/i", events: [{ type: "b", payload: {}, idempotencyKey: "k" }] });
      expect(again.events[0]).toMatchObject({ replayed: true, event: first.events[0]!.event });
      const batch = await store.append({
        project: "p",
        path: "/i",
        events: [
          { type: "c", payload: {}, idempotencyKey: "k2" },
          { type: "d", payload: {}, idempotencyKey: "k2" },
        ],
      });
      expect(batch.events.map((e) => [e.event.offset, e.replayed])).toEqual([
        [2, false],
        [2, true],
      ]);
      expect((await store.info("p", "/i"))?.lastOffset).toBe(2);
    });

    it("fails a whole request whose offset precondition does not match, storing nothing", async () => {
      await store.append({ project: "p", path: "/o", events: [{ type: "a", payload: {} }] });
      await expect(
        store.append({
          project: "p",
          path: "/o",
          events: [
            { type: "b", payload: {}, offset: 2 },
            { type: "c", payload: {}, offset: 2 },
          ],
        }),
      ).rejects.toMatchObject({ code: "offset_conflict", details: { currentOffset: 1 } });
      expect((await store.info("p", "/o"))?.lastOffset).toBe(1);
      const ok = await store.append({ project: "p", path: "/o", events: [{ type: "b", payload: {}, offset: 2 }] });
      expect(ok.events[0]!.event.offset).toBe(2);
    });

    it("does not let a failed request in a group commit affect the others", async () => {
      await store.append({ project: "p", path: "/g", events: [{ type: "a", payload: {} }] });
      const results = await Promise.allSettled([
        store.append({ project: "p", path: "/g", events: [{ type: "ok1", payload: {} }] }),
        store.append({ project: "p", path: "/g/new", events: [{ type: "bad", payload: {}, offset: 9 }] }),
        store.append({ project: "p", path: "/g", events: [{ type: "ok2", payload: {} }] }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(await store.info("p", "/g/new")).toBeUndefined();
      const types = parse(await store.read("p", "/g", { afterOffset: 0, limit: 10 })).map((e) => e.type);
      expect(types).toEqual(["a", "ok1", "ok2"]);
    });

    it("reads exclusive ranges with a limit", async () => {
      await store.append({ project: "p", path: "/r", events: Array.from({ length: 10 }, (_, i) => ({ type: "n", payload: { i } })) });
      expect((await store.read("p", "/r", { afterOffset: 3, beforeOffset: 7, limit: 100 })).map((r) => r.offset)).toEqual([4, 5, 6]);
      expect((await store.read("p", "/r", { afterOffset: 0, limit: 2 })).map((r) => r.offset)).toEqual([1, 2]);
      expect(await store.read("p", "/missing", { afterOffset: 0, limit: 2 })).toEqual([]);
    });

    it("reads the same events pre-joined (readEncoded) as read returns them", async () => {
      await store.append({ project: "p", path: "/enc", events: Array.from({ length: 7 }, (_, i) => ({ type: "n", payload: { i, text: 'é\n"' } })) });
      const range = { afterOffset: 2, beforeOffset: 7, limit: 3 };
      const records = await store.read("p", "/enc", range);
      expect(records.map((r) => r.offset)).toEqual([3, 4, 5]);
      const sse = await store.readEncoded("p", "/enc", range, "sse");
      expect({ ...sse, bytes: text(sse.bytes) }).toEqual({ bytes: records.map((r) => sseFrame(r.offset, r.json)).join(""), count: 3, lastOffset: 5 });
      expect(text((await store.readEncoded("p", "/enc", range, "ndjson")).bytes)).toBe(records.map((r) => `${r.json}\n`).join(""));
      expect(text((await store.readEncoded("p", "/enc", range, "json")).bytes)).toBe(records.map((r) => r.json).join(","));
      expect(await store.readEncoded("p", "/missing", range, "json")).toMatchObject({ count: 0, lastOffset: undefined });
      expect((await store.readEncoded("p", "/missing", range, "json")).bytes.length).toBe(0);
      expect(await store.readEncoded("p", "/enc", { afterOffset: 7, limit: 3 }, "sse")).toMatchObject({ count: 0, lastOffset: undefined });
      expect((await store.readEncoded("p", "/enc", { afterOffset: 7, limit: 3 }, "sse")).bytes.length).toBe(0);
    });

    it("reads a page of 10,000 pre-joined events as read returns them, filtered or not", async () => {
      // Large pages: a store may join them in pieces (SQLite does, 1,000 events at a time).
      for (let batch = 0; batch < 11; batch++) {
        const events = Array.from({ length: 1000 }, (_, i) => ({ type: i % 3 === 0 ? "three" : "other", payload: { i: batch * 1000 + i, text: "é" } }));
        await store.append({ project: "p", path: "/big", events });
      }
      const filter = { types: ["three"], typePrefixes: [] };
      for (const range of [
        { afterOffset: 0, limit: 10_000 },
        { afterOffset: 999, beforeOffset: 3002, limit: 10_000 },
        { afterOffset: 500, limit: 2500 },
        { afterOffset: 0, limit: 10_000, filter },
        { afterOffset: 10, beforeOffset: 9000, limit: 1500, filter },
      ]) {
        const records = await store.read("p", "/big", range);
        for (const format of ["json", "ndjson", "sse"] as const) {
          const page = await store.readEncoded("p", "/big", range, format);
          const expected = {
            json: records.map((r) => r.json).join(","),
            ndjson: records.map((r) => `${r.json}\n`).join(""),
            sse: records.map((r) => sseFrame(r.offset, r.json)).join(""),
          }[format];
          expect({ ...page, bytes: text(page.bytes) }).toEqual({ bytes: expected, count: records.length, lastOffset: records.at(-1)!.offset });
        }
      }
    });

    it("keeps projects apart", async () => {
      await store.append({ project: "one", path: "/s", events: [{ type: "a", payload: {} }] });
      await store.append({ project: "two", path: "/s", events: [{ type: "b", payload: {} }] });
      expect(parse(await store.read("one", "/s", { afterOffset: 0, limit: 10 })).map((e) => e.type)).toEqual(["a"]);
      expect((await store.list("two", "/", { limit: 10 })).map((s) => s.path)).toEqual(["/s"]);
    });

    it("lists children and descendants in path order", async () => {
      for (const path of ["/l/b", "/l/a/deep", "/l-sibling"]) await store.append({ project: "p", path, events: [{ type: "x", payload: {} }] });
      expect((await store.list("p", "/l", { depth: 1, limit: 10 })).map((s) => s.path)).toEqual(["/l/a", "/l/b"]);
      expect((await store.list("p", "/l", { limit: 10 })).map((s) => s.path)).toEqual(["/l/a", "/l/a/deep", "/l/b"]);
      expect((await store.list("p", "/", { depth: 1, limit: 10 })).map((s) => s.path)).toEqual(["/l", "/l-sibling"]);
    });

    it("deletes a subtree, tells remaining ancestors, and restarts offsets on re-creation", async () => {
      await store.append({ project: "p", path: "/d/a/b", events: [{ type: "x", payload: {} }] });
      await expect(store.delete("p", "/d/a", { recursive: false })).rejects.toMatchObject({ code: "has_children" });
      const result = await store.delete("p", "/d/a", { recursive: true });
      expect(result.deletedPaths.sort()).toEqual(["/d/a", "/d/a/b"]);
      const d = parse(await store.read("p", "/d", { afterOffset: 0, limit: 10 }));
      expect(d.at(-1)).toMatchObject({ type: "stream/child-deleted", payload: { childPath: "/d/a" } });
      const again = await store.append({ project: "p", path: "/d/a/b", events: [{ type: "y", payload: {} }] });
      expect(again.events[0]!.event.offset).toBe(1);
      await expect(store.delete("p", "/nope", { recursive: false })).rejects.toMatchObject({ code: "stream_not_found" });
    });

    it("announces every committed event to onCommit listeners, in offset order per stream", async () => {
      const seen: CommittedStreamEvents[] = [];
      const stop = store.onCommit((batch) => seen.push(batch));
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append({ project: "p", path: "/w/c", events: [{ type: "n", payload: { i } }] })));
      stop();
      const offsets = seen.filter((b) => b.path === "/w/c").flatMap((b) => b.events.map((e) => e.event.offset));
      expect(offsets).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(seen.some((b) => b.path === "/w" && b.events[0]!.event.type === "stream/child-created")).toBe(true);
    });

    it("filters reads by exact types, type prefixes and case-insensitive text, in read and every encoded format", async () => {
      const events = [
        { type: "agent-input-added", payload: { content: "Hello World" } },
        { type: "tick", payload: { note: "100% done_ok" } },
        { type: "agent-run-ended", payload: { text: "bye" } },
        { type: "agent*odd", payload: { text: "a [glob]" } },
        { type: "Tick", payload: { note: "hello" } },
      ];
      await store.append({ project: "p", path: "/f", events });
      const offsets = async (
        filter: { types?: string[]; typePrefixes?: string[]; text?: string },
        range: { afterOffset?: number; beforeOffset?: number; limit?: number } = {},
      ) => {
        const full = { types: filter.types ?? [], typePrefixes: filter.typePrefixes ?? [], ...(filter.text === undefined ? {} : { text: filter.text }) };
        const request = { afterOffset: range.afterOffset ?? 0, beforeOffset: range.beforeOffset, limit: range.limit ?? 100, filter: full };
        const read = (await store.read("p", "/f", request)).map((record) => record.offset);
        for (const format of ["json", "ndjson", "sse"] as const) {
          const page = await store.readEncoded("p", "/f", request, format);
          expect(page.count).toBe(read.length);
          expect(page.lastOffset).toBe(read.at(-1));
        }
        return read;
      };
      expect(await offsets({ types: ["tick"] })).toEqual([2]);
      expect(await offsets({ typePrefixes: ["agent-"] })).toEqual([1, 3]);
      expect(await offsets({ typePrefixes: ["agent*"] })).toEqual([4]);
      expect(await offsets({ types: ["tick"], typePrefixes: ["agent-"] })).toEqual([1, 2, 3]);
      expect(await offsets({ text: "hello" })).toEqual([1, 5]);
      expect(await offsets({ text: "HELLO world" })).toEqual([1]);
      expect(await offsets({ text: "100%" })).toEqual([2]);
      expect(await offsets({ text: "0% d" })).toEqual([2]);
      expect(await offsets({ text: "e_o" })).toEqual([2]);
      expect(await offsets({ text: "e o" })).toEqual([]);
      expect(await offsets({ text: "[glob]" })).toEqual([4]);
      expect(await offsets({ text: '"type":"tick"' })).toEqual([2, 5]);
      expect(await offsets({ typePrefixes: ["agent-"], text: "bye" })).toEqual([3]);
      expect(await offsets({ typePrefixes: ["agent"] }, { afterOffset: 1, beforeOffset: 4 })).toEqual([3]);
      expect(await offsets({ typePrefixes: ["agent"] }, { limit: 2 })).toEqual([1, 3]);
    });

    it("stores consumer cursors per stream and consumer", async () => {
      expect(await store.getCursor("p", "/k", "c1")).toBeUndefined();
      await store.setCursor("p", "/k", "c1", 5);
      await store.setCursor("p", "/k", "c1", 7);
      await store.setCursor("p", "/k", "c2", 1);
      expect(await store.getCursor("p", "/k", "c1")).toBe(7);
      expect(await store.getCursor("p", "/k", "c2")).toBe(1);
    });

    it("stores snapshots per stream and name, keeps the newest, and deletes them with the stream", async () => {
      await store.append({
        project: "p",
        path: "/snap",
        events: [
          { type: "a", payload: {} },
          { type: "b", payload: {} },
        ],
      });
      expect(await store.getSnapshot("p", "/snap", "s")).toBeUndefined();
      await store.putSnapshot("p", "/snap", "s", { offset: 2, json: '{"n":2}' });
      await store.putSnapshot("p", "/snap", "s", { offset: 1, json: '{"n":1}' });
      await store.putSnapshot("p", "/snap", "other", { offset: 1, json: "[]" });
      expect(await store.getSnapshot("p", "/snap", "s")).toEqual({ offset: 2, json: '{"n":2}' });
      expect(await store.getSnapshot("q", "/snap", "s")).toBeUndefined();
      await store.delete("p", "/snap", { recursive: false });
      expect(await store.getSnapshot("p", "/snap", "s")).toBeUndefined();
      expect(await store.getSnapshot("p", "/snap", "other")).toBeUndefined();
    });

    it("marks streams that hold built-in configuration events, and unmarks them only through a given offset", async () => {
      await store.append({ project: "p", path: "/m/a", events: [{ type: "schedule/configured", payload: {} }] });
      await store.append({
        project: "q",
        path: "/m/b",
        events: [
          { type: "subscription/removed", payload: {} },
          { type: "plain", payload: {} },
        ],
      });
      expect(await store.listMarkedStreams("schedule")).toEqual([{ project: "p", path: "/m/a" }]);
      expect(await store.listMarkedStreams("subscription")).toEqual([{ project: "q", path: "/m/b" }]);
      await store.append({ project: "p", path: "/m/a", events: [{ type: "schedule/cancelled", payload: {} }] });
      await store.unmarkStream("p", "/m/a", "schedule", 1);
      expect(await store.listMarkedStreams("schedule")).toEqual([{ project: "p", path: "/m/a" }]);
      await store.unmarkStream("p", "/m/a", "schedule", 2);
      expect(await store.listMarkedStreams("schedule")).toEqual([]);
      await store.delete("q", "/m/b", { recursive: false });
      expect(await store.listMarkedStreams("subscription")).toEqual([]);
    });

    it("keeps secrets per project, reports replacements, and deletes them", async () => {
      expect(await store.putSecret("p", "key", "one")).toMatchObject({ created: true });
      expect(await store.putSecret("p", "key", "two")).toMatchObject({ created: false });
      expect(await store.getSecret("p", "key")).toBe("two");
      expect(await store.getSecret("other", "key")).toBeUndefined();
      expect((await store.listSecrets("p")).map((secret) => secret.name)).toEqual(["key"]);
      expect(await store.deleteSecret("p", "key")).toBe(true);
      expect(await store.deleteSecret("p", "key")).toBe(false);
      expect(await store.getSecret("p", "key")).toBeUndefined();
    });

    it("grants a lease to its holder, renews it, and frees it on release", async () => {
      expect(await store.acquireLease("work", "server-a", 60_000)).toBe(true);
      expect(await store.acquireLease("work", "server-a", 60_000)).toBe(true);
      await store.releaseLease("work", "server-a");
      expect(await store.acquireLease("work", "server-b", 60_000)).toBe(true);
    });

    it("forks: copies the prefix byte for byte but the path, with its keys, cursors and marks, and announces only the new events", async () => {
      const payload = { nested: { type: "x", payload: {}, streamPath: "/src", offset: 1, note: '\u2028 é "q"' }, big: 12345678901234567000, exp: 1e21 };
      await store.append({
        project: "p",
        path: "/src",
        events: [
          { type: "x", payload, idempotencyKey: "k1", metadata: { m: 1 } },
          { type: "schedule/configured", payload: { slug: "s" } },
          { type: "y", payload: {} },
        ],
      });
      await store.setCursor("p", "/src", "early", 1);
      await store.setCursor("p", "/src", "late", 3);
      const heard: CommittedStreamEvents[] = [];
      const stop = store.onCommit((batch) => heard.push(batch));
      const result = await store.fork({
        project: "p",
        from: "/src",
        atOffset: 2,
        to: "/dst/copy",
        events: [{ type: "stream/forked", payload: { from: "/src", atOffset: 2 } }],
      });
      stop();
      expect(result.events.map((e) => [e.event.offset, e.event.type, e.event.streamPath])).toEqual([[3, "stream/forked", "/dst/copy"]]);
      expect(result.createdPaths).toEqual(["/dst", "/dst/copy"]);
      const source = await store.read("p", "/src", { afterOffset: 0, limit: 10 });
      const copy = await store.read("p", "/dst/copy", { afterOffset: 0, limit: 10 });
      expect(copy.map((record) => record.offset)).toEqual([1, 2, 3]);
      expect(copy.slice(0, 2).map((record) => record.json)).toEqual(
        source.slice(0, 2).map((record) => record.json.replace(/"streamPath":"\/src"(,"offset":\d+,"createdAt")/, '"streamPath":"/dst/copy"$1')),
      );
      expect(await store.info("p", "/dst/copy")).toMatchObject({ lastOffset: 3 });
      expect(await store.getCursor("p", "/dst/copy", "early")).toBe(1);
      expect(await store.getCursor("p", "/dst/copy", "late")).toBe(2);
      expect(await store.listMarkedStreams("schedule")).toEqual(expect.arrayContaining([{ project: "p", path: "/dst/copy" }]));
      const replay = await store.append({ project: "p", path: "/dst/copy", events: [{ type: "x", payload: {}, idempotencyKey: "k1" }] });
      expect(replay.events[0]).toMatchObject({ replayed: true, event: { offset: 1, streamPath: "/dst/copy" } });
      const announced = heard.flatMap((batch) => batch.events.map((item) => [batch.path, item.event.offset, item.event.type]));
      expect(announced).toEqual(
        expect.arrayContaining([
          ["/dst/copy", 3, "stream/forked"],
          ["/dst", 1, "stream/child-created"],
        ]),
      );
      expect(announced.filter(([path]) => path === "/dst/copy")).toEqual([["/dst/copy", 3, "stream/forked"]]);
      await expect(store.fork({ project: "p", from: "/src", atOffset: 1, to: "/dst/copy", events: [] })).rejects.toMatchObject({ code: "stream_exists" });
      await expect(store.fork({ project: "p", from: "/src", atOffset: 4, to: "/dst/other", events: [] })).rejects.toMatchObject({ code: "invalid_request" });
      await expect(store.fork({ project: "p", from: "/none", atOffset: 0, to: "/dst/other", events: [] })).rejects.toMatchObject({ code: "stream_not_found" });
      expect(await store.info("p", "/dst/other")).toBeUndefined();
    });

    if (factory.reopen) {
      it("keeps events, heads, idempotency keys and cursors across a reopen", async () => {
        await store.append({ project: "p", path: "/persist", events: [{ type: "a", payload: { v: 1 }, idempotencyKey: "once" }] });
        await store.setCursor("p", "/persist", "c", 1);
        store = await factory.reopen!(store);
        expect(parse(await store.read("p", "/persist", { afterOffset: 0, limit: 10 }))[0]).toMatchObject({ type: "a", payload: { v: 1 } });
        const replay = await store.append({ project: "p", path: "/persist", events: [{ type: "a", payload: {}, idempotencyKey: "once" }] });
        expect(replay.events[0]!.replayed).toBe(true);
        const next = await store.append({ project: "p", path: "/persist", events: [{ type: "b", payload: {} }] });
        expect(next.events[0]!.event.offset).toBe(2);
        expect(await store.getCursor("p", "/persist", "c")).toBe(1);
      });
    }
  });
}
