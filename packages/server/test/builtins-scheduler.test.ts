import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { createFakeClock, stateOf } from "./builtins-support.ts";

// Intervals of a fraction of a second keep these tests short; the default minimum is 1 s (quotas.test.ts).
const fastSchedules = { quotas: { minScheduleIntervalSeconds: 0.1 } };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(fastSchedules);
});
afterAll(async () => {
  await server.close();
});

const configure = (url: string, path: string, payload: Record<string, unknown>) => appendJson(url, path, { type: "schedule/configured", payload });
const firings = (events: StoredEvent[], slug: string) =>
  events.filter((event) => (event.metadata?.scheduledBy as { slug?: string } | undefined)?.slug === slug);

describe("the scheduler", () => {
  it("fires a once-in schedule once, after the delay, as an event that says which schedule fired it", async () => {
    const response = await configure(server.url, "/sched/once-in", {
      slug: "nudge",
      event: { type: "agent-input-added", payload: { content: "check the build" }, metadata: { from: "test" } },
      schedule: { kind: "once-in", seconds: 0.3 },
    });
    expect(response.status).toBe(201);
    const configured = (await response.json()) as StoredEvent;
    const fired = await waitFor(async () => firings(await readEvents(server.url, "/sched/once-in"), "nudge")[0], "the firing");
    expect(fired).toMatchObject({ type: "agent-input-added", payload: { content: "check the build" }, metadata: { from: "test" } });
    const marker = fired.metadata!.scheduledBy as { scheduleOffset: number; dueAt: string };
    expect(marker.scheduleOffset).toBe(configured.offset);
    // Due 0.3 s after the configuration (a firing more than a second late would record when it fired instead).
    expect(Date.parse(marker.dueAt)).toBeGreaterThanOrEqual(Date.parse(configured.createdAt) + 300);
    expect(Date.parse(fired.createdAt)).toBeGreaterThanOrEqual(Date.parse(marker.dueAt));
    // A once schedule is done after it fired: the state no longer lists it.
    await waitFor(async () => (await stateOf(server.url, "/sched/once-in")).scheduler.schedules.length === 0, "the schedule to be done");
    expect(firings(await readEvents(server.url, "/sched/once-in"), "nudge")).toHaveLength(1);
  });

  it("fires a once-at schedule at its time", async () => {
    const at = new Date(Date.now() + 400).toISOString();
    await configure(server.url, "/sched/once-at", { slug: "alarm", event: { type: "wake-up" }, schedule: { kind: "once-at", at } });
    const fired = await waitFor(async () => firings(await readEvents(server.url, "/sched/once-at"), "alarm")[0], "the firing");
    expect(fired.type).toBe("wake-up");
    expect(Date.parse((fired.metadata!.scheduledBy as { dueAt: string }).dueAt)).toBeGreaterThanOrEqual(Date.parse(at));
    expect(Date.parse(fired.createdAt)).toBeGreaterThanOrEqual(Date.parse(at));
  });

  it("fires an every schedule repeatedly until it is cancelled by slug", async () => {
    const path = "/sched/every";
    await configure(server.url, path, { slug: "tick", event: { type: "tick" }, schedule: { kind: "every", seconds: 0.2 } });
    await waitFor(async () => firings(await readEvents(server.url, path), "tick").length >= 3, "three ticks");
    const state = await stateOf(server.url, path);
    expect(state.scheduler.schedules[0]).toMatchObject({ slug: "tick", schedule: { kind: "every", seconds: 0.2 } });
    expect(state.scheduler.schedules[0].firings).toBeGreaterThanOrEqual(3);
    const dues = firings(await readEvents(server.url, path), "tick").map((event) => Date.parse((event.metadata!.scheduledBy as { dueAt: string }).dueAt));
    expect(dues[1]! - dues[0]!).toBeGreaterThanOrEqual(200);

    const cancelled = (await (await appendJson(server.url, path, { type: "schedule/cancelled", payload: { slug: "tick" } })).json()) as StoredEvent;
    // Prove the ticks stopped without sleeping: a later schedule fires, and no tick came after the cancel
    // (except one that was already being appended when the cancel arrived).
    await configure(server.url, path, { slug: "probe", event: { type: "probe" }, schedule: { kind: "once-in", seconds: 0.7 } });
    await waitFor(async () => firings(await readEvents(server.url, path), "probe").length === 1, "the probe");
    const late = firings(await readEvents(server.url, path), "tick").filter((event) => event.offset > cancelled.offset);
    expect(late.length).toBeLessThanOrEqual(1);
    expect((await stateOf(server.url, path)).scheduler.schedules).toEqual([]);
  });

  it("fires a cron schedule on the cron's grid", async () => {
    const path = "/sched/cron";
    await configure(server.url, path, { slug: "each-second", event: { type: "beat" }, schedule: { kind: "cron", cron: "* * * * * *" } });
    const fired = await waitFor(async () => {
      const list = firings(await readEvents(server.url, path), "each-second");
      return list.length >= 2 ? list : undefined;
    }, "two cron firings");
    expect((fired[0]!.metadata!.scheduledBy as { dueAt: string }).dueAt).toMatch(/:\d\d\.000Z$/);
    await appendJson(server.url, path, { type: "schedule/cancelled", payload: { slug: "each-second" } });
  });

  it("replaces a schedule configured again with the same slug", async () => {
    const path = "/sched/replace";
    await configure(server.url, path, { slug: "job", event: { type: "old" }, schedule: { kind: "once-in", seconds: 3600 } });
    await configure(server.url, path, { slug: "job", event: { type: "new" }, schedule: { kind: "once-in", seconds: 0.2 } });
    await waitFor(async () => firings(await readEvents(server.url, path), "job").length === 1, "the firing");
    expect(firings(await readEvents(server.url, path), "job")[0]!.type).toBe("new");
    expect((await stateOf(server.url, path)).scheduler.schedules).toEqual([]);
  });

  it("holds a firing while the stream is paused and fires it once on resume", async () => {
    const path = "/sched/paused";
    // Configure and pause in one atomic batch, so the schedule comes due while the stream is paused.
    await appendJson(server.url, path, {
      events: [
        { type: "schedule/configured", payload: { slug: "later", event: { type: "reminder" }, schedule: { kind: "once-in", seconds: 0.3 } } },
        { type: "stream/paused", payload: { reason: "quiet hours" } },
      ],
    });
    await waitFor(async () => (await stateOf(server.url, path)).scheduler.schedules[0]?.waitingForResume === true, "the firing to wait for the resume");
    expect(firings(await readEvents(server.url, path), "later")).toEqual([]);
    await appendJson(server.url, path, { type: "stream/resumed", payload: { reason: "morning" } });
    await waitFor(async () => firings(await readEvents(server.url, path), "later").length === 1, "the firing after the resume");
  });

  it("records a firing the stream refuses as stream/error-occurred naming the scheduler and the schedule", async () => {
    const path = "/sched/refused";
    // Valid when configured, refused when it fires: by then there is no schedule 'gone' to cancel.
    const configured = (await (
      await configure(server.url, path, {
        slug: "cleanup",
        event: { type: "schedule/cancelled", payload: { slug: "gone" } },
        schedule: { kind: "once-in", seconds: 0.2 },
      })
    ).json()) as StoredEvent;
    const error = await waitFor(async () => (await readEvents(server.url, path)).find((event) => event.type === "stream/error-occurred"), "the error event");
    expect(error.payload).toMatchObject({ processor: "scheduler", slug: "cleanup", offset: configured.offset });
    expect(String(error.payload.message)).toContain("There is no active schedule 'gone'");
  });

  it("can schedule a pause, because the scheduled event passes the same gates as a client's", async () => {
    const path = "/sched/pause-later";
    await configure(server.url, path, {
      slug: "close",
      event: { type: "stream/paused", payload: { reason: "closing time" } },
      schedule: { kind: "once-in", seconds: 0.2 },
    });
    await waitFor(async () => (await stateOf(server.url, path)).pause?.reason === "closing time", "the scheduled pause");
  });
});

describe("bad schedules", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["a cron expression that does not parse", { slug: "c", event: { type: "x" }, schedule: { kind: "cron", cron: "61 * * * * *" } }, /schedule\.cron/],
    ["a cron expression with too few fields", { slug: "c", event: { type: "x" }, schedule: { kind: "cron", cron: "* * * *  *x" } }, /schedule\.cron/],
    ["an unknown time zone", { slug: "c", event: { type: "x" }, schedule: { kind: "cron", cron: "0 9 * * *", timezone: "Mars/Olympus" } }, /time zone/],
    ["a negative delay", { slug: "c", event: { type: "x" }, schedule: { kind: "once-in", seconds: -5 } }, /schedule\.seconds/],
    ["an interval under 0.1 s", { slug: "c", event: { type: "x" }, schedule: { kind: "every", seconds: 0.01 } }, /schedule\.seconds/],
    ["a time that is not ISO-8601", { slug: "c", event: { type: "x" }, schedule: { kind: "once-at", at: "tomorrow" } }, /schedule\.at/],
    ["an unknown kind", { slug: "c", event: { type: "x" }, schedule: { kind: "sometimes" } }, /schedule\.kind/],
    ["an event without a type", { slug: "c", event: { payload: {} }, schedule: { kind: "once-in", seconds: 1 } }, /event\.type/],
    [
      "an event only the server may append",
      { slug: "c", event: { type: "stream/child-created", payload: { childPath: "/x" } }, schedule: { kind: "once-in", seconds: 1 } },
      /appended only by the server/,
    ],
    ["an event with an idempotency key", { slug: "c", event: { type: "x", idempotencyKey: "k" }, schedule: { kind: "once-in", seconds: 1 } }, /idempotencyKey/],
    ["a slug with spaces", { slug: "my job", event: { type: "x" }, schedule: { kind: "once-in", seconds: 1 } }, /slug/],
  ];
  for (const [what, payload, message] of cases) {
    it(`answers ${what} with 400 and a message that says what to fix`, async () => {
      const response = await configure(server.url, "/sched/bad", payload);
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.code).toBe("invalid_event");
      expect(body.message).toMatch(message);
    });
  }

  it("answers a cancel of a schedule that does not exist with 400 naming the active ones", async () => {
    await configure(server.url, "/sched/cancel", { slug: "real", event: { type: "x" }, schedule: { kind: "once-in", seconds: 3600 } });
    const response = await appendJson(server.url, "/sched/cancel", { type: "schedule/cancelled", payload: { slug: "typo" } });
    expect(response.status).toBe(400);
    expect((await response.json()).message).toContain("active: real");
    expect(await readEvents(server.url, "/sched/cancel")).toHaveLength(1);
  });
});

describe("schedules across restarts", () => {
  it("keeps a schedule across a server restart and fires it on the new server", async () => {
    const first = await startTestServer({ ...fastSchedules, keepDataDir: true });
    await configure(first.url, "/restart/once", { slug: "after-restart", event: { type: "hello-again" }, schedule: { kind: "once-in", seconds: 1.5 } });
    await configure(first.url, "/restart/every", { slug: "beat", event: { type: "beat" }, schedule: { kind: "every", seconds: 0.3 } });
    await first.close();
    const second = await startTestServer({ ...fastSchedules, dataDir: first.dataDir });
    try {
      // Nobody touches either stream: the new server finds them by itself.
      await waitFor(async () => firings(await readEvents(second.url, "/restart/once"), "after-restart").length === 1, "the once schedule", 15_000);
      await waitFor(async () => firings(await readEvents(second.url, "/restart/every"), "beat").length >= 2, "the every schedule", 15_000);
    } finally {
      await second.close();
    }
  });

  it("fires a schedule that came due while the server was down once at start, then keeps its rhythm", async () => {
    const clock = createFakeClock();
    // A daily stand-up twelve hours away from now in Berlin: missed three times while the server is down, and
    // not due in the hour after the restart, whatever the time of day the test runs.
    const berlinHour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", hour: "numeric", hourCycle: "h23" }).format(clock.now()));
    const standupHour = (berlinHour + 12) % 24;
    const first = await startTestServer({ keepDataDir: true, now: clock.now });
    await configure(first.url, "/down/every", { slug: "hourly", event: { type: "report" }, schedule: { kind: "every", seconds: 3600 } });
    await configure(first.url, "/down/cron", {
      slug: "nine",
      event: { type: "standup" },
      schedule: { kind: "cron", cron: `0 ${standupHour} * * *`, timezone: "Europe/Berlin" },
    });
    await configure(first.url, "/down/once", { slug: "later", event: { type: "later" }, schedule: { kind: "once-in", seconds: 600 } });
    await first.close();

    // The server was down for three days: dozens of hourly reports and three stand-ups were missed.
    clock.advance(3 * 86_400_000);
    const second = await startTestServer({ dataDir: first.dataDir, now: clock.now });
    try {
      for (const [path, slug] of [
        ["/down/every", "hourly"],
        ["/down/cron", "nine"],
        ["/down/once", "later"],
      ] as const) {
        await waitFor(async () => firings(await readEvents(second.url, path), slug).length === 1, `${slug} to fire once`);
      }
      const report = firings(await readEvents(second.url, "/down/every"), "hourly")[0]!;
      expect(Date.parse((report.metadata!.scheduledBy as { dueAt: string }).dueAt)).toBe(clock.now());
      const state = await stateOf(second.url, "/down/every");
      expect(Date.parse(state.scheduler.schedules[0].nextDueAt)).toBe(clock.now() + 3_600_000);
      // Time moves on an hour: the next report fires, and only one.
      clock.advance(3_600_000);
      await waitFor(async () => firings(await readEvents(second.url, "/down/every"), "hourly").length === 2, "the next hourly report");
      expect(firings(await readEvents(second.url, "/down/cron"), "nine")).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
