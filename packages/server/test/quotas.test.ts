import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents } from "./support/http.ts";

const schedule = (slug: string, seconds = 3600) => ({
  type: "schedule/configured",
  payload: { slug, event: { type: "tick" }, schedule: { kind: "every", seconds } },
});
const subscription = (slug: string) => ({ type: "subscription/configured", payload: { slug, url: "http://127.0.0.1:9/hook" } });
const inProject = (project: string) => ({ "x-tributary-project": project });

async function refusal(response: Response): Promise<{ code: string; message: string; limit?: number }> {
  expect(response.status).toBe(403);
  return (await response.json()) as { code: string; message: string; limit?: number };
}

describe("quotas on schedules", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ quotas: { schedules: { perStream: 3, perProject: 5 }, minScheduleIntervalSeconds: 2 } });
  });
  afterAll(() => server.close());

  it("refuses a stream's schedule past the per-stream quota with 403 quota_exceeded naming the limit and the flag that raises it", async () => {
    for (const slug of ["a", "b", "c"]) expect((await appendJson(server.url, "/quota/one", schedule(slug))).status).toBe(201);
    const body = await refusal(await appendJson(server.url, "/quota/one", schedule("d")));
    expect(body.code).toBe("quota_exceeded");
    expect(body.message).toMatch(/3 schedules.*per stream/);
    expect(body.message).toContain("--schedule-quota");
    // Reconfiguring a slug the stream has is no new schedule; a cancel makes room for another.
    expect((await appendJson(server.url, "/quota/one", schedule("a", 7200))).status).toBe(201);
    expect((await appendJson(server.url, "/quota/one", { type: "schedule/cancelled", payload: { slug: "b" } })).status).toBe(201);
    expect((await appendJson(server.url, "/quota/one", schedule("d"))).status).toBe(201);
    expect((await readEvents(server.url, "/quota/one")).filter((event) => event.type === "schedule/configured").map((event) => event.payload.slug)).toEqual([
      "a",
      "b",
      "c",
      "a",
      "d",
    ]);
  });

  it("refuses a batch that would take a stream past its quota as a whole", async () => {
    const response = await appendJson(server.url, "/quota/batch", { events: [schedule("a"), schedule("b"), schedule("c"), schedule("d")] }, inProject("batch"));
    expect((await refusal(response)).code).toBe("quota_exceeded");
    expect(await readEvents(server.url, "/quota/batch", "&project=batch")).toHaveLength(0);
  });

  it("counts every stream of a project against the per-project quota, and other projects apart", async () => {
    const team = inProject("team");
    for (const slug of ["a", "b", "c"]) expect((await appendJson(server.url, "/quota/team/x", schedule(slug), team)).status).toBe(201);
    for (const slug of ["a", "b"]) expect((await appendJson(server.url, "/quota/team/y", schedule(slug), team)).status).toBe(201);
    const body = await refusal(await appendJson(server.url, "/quota/team/z", schedule("a"), team));
    expect(body.code).toBe("quota_exceeded");
    expect(body.message).toMatch(/project team.*5 schedules/);
    expect(body.message).toContain("--schedule-quota");
    expect((await appendJson(server.url, "/quota/team/z", schedule("a"), inProject("other"))).status).toBe(201);
  });

  it("refuses a fork (over /api or Durable Streams) that would bring the project past its quota", async () => {
    const forks = inProject("forks");
    for (const slug of ["a", "b", "c"]) expect((await appendJson(server.url, "/f/src", schedule(slug), forks)).status).toBe(201);
    const fork = (atOffset: number, to: string) => appendJson(server.url, "/f/src/fork", { atOffset, to }, forks);
    const whole = await refusal(await fork(3, "/f/copy"));
    expect(whole.code).toBe("quota_exceeded");
    expect(whole.message).toMatch(/fork.*3 schedules.*project forks/);
    expect(await readEvents(server.url, "/f/copy", "&project=forks")).toEqual([]);
    // A fork from before the second schedule brings one along: 4 of 5.
    expect((await fork(1, "/f/early")).status).toBe(201);
    const ds = await fetch(`${server.url}/v1/stream/f/ds?project=forks`, {
      method: "PUT",
      headers: { "content-type": "application/json", "stream-forked-from": "/f/src" },
    });
    expect((await refusal(ds)).code).toBe("quota_exceeded");
    expect(await readEvents(server.url, "/f/ds", "&project=forks")).toEqual([]);
  });

  it("refuses an interval, or a cron expression, that fires more often than the minimum", async () => {
    const every = await refusal(await appendJson(server.url, "/quota/fast", schedule("fast", 1)));
    expect(every.code).toBe("quota_exceeded");
    expect(every.message).toMatch(/every 1 s.*at least 2 s/);
    expect(every.message).toContain("--min-schedule-interval");
    const cron = await refusal(
      await appendJson(server.url, "/quota/fast", {
        type: "schedule/configured",
        payload: { slug: "cron", event: { type: "tick" }, schedule: { kind: "cron", cron: "* * * * * *" } },
      }),
    );
    expect(cron.code).toBe("quota_exceeded");
    expect(
      (
        await appendJson(server.url, "/quota/fast", {
          type: "schedule/configured",
          payload: { slug: "cron", event: { type: "tick" }, schedule: { kind: "cron", cron: "*/5 * * * *" } },
        })
      ).status,
    ).toBe(201);
    // A once schedule fires once, however soon.
    expect(
      (
        await appendJson(server.url, "/quota/fast", {
          type: "schedule/configured",
          payload: { slug: "soon", event: { type: "tick" }, schedule: { kind: "once-in", seconds: 0.1 } },
        })
      ).status,
    ).toBe(201);
  });
});

describe("quotas on subscriptions", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ quotas: { subscriptions: { perStream: 2, perProject: 3 } } });
  });
  afterAll(() => server.close());

  it("refuses subscriptions past the per-stream and per-project quotas", async () => {
    const team = inProject("hooks");
    for (const slug of ["a", "b"]) expect((await appendJson(server.url, "/sub/x", subscription(slug), team)).status).toBe(201);
    const stream = await refusal(await appendJson(server.url, "/sub/x", subscription("c"), team));
    expect(stream.code).toBe("quota_exceeded");
    expect(stream.message).toMatch(/2 subscriptions.*per stream/);
    expect(stream.message).toContain("--subscription-quota");
    expect((await appendJson(server.url, "/sub/x", subscription("a"), team)).status).toBe(201);
    expect((await appendJson(server.url, "/sub/y", subscription("a"), team)).status).toBe(201);
    const project = await refusal(await appendJson(server.url, "/sub/z", subscription("a"), team));
    expect(project.message).toMatch(/project hooks.*3 subscriptions/);
    expect((await appendJson(server.url, "/sub/x", { type: "subscription/removed", payload: { slug: "b" } }, team)).status).toBe(201);
    expect((await appendJson(server.url, "/sub/z", subscription("a"), team)).status).toBe(201);
    // A fork of /sub/x would bring its subscription along: a fourth in the project.
    const tail = (await readEvents(server.url, "/sub/x", "&project=hooks")).at(-1)!.offset;
    const fork = await refusal(await appendJson(server.url, "/sub/x/fork", { atOffset: tail, to: "/sub/copy" }, team));
    expect(fork.message).toMatch(/fork.*1 subscriptions.*project hooks/);
  });
});

describe("the default quotas", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("stop the schedule flood: 200 schedules at 0.1 s are refused, and a stream holds at most 100 schedules", async () => {
    const fast = await Promise.all(Array.from({ length: 200 }, (_, i) => appendJson(server.url, "/flood", schedule(`s${i}`, 0.1))));
    expect(new Set(fast.map((response) => response.status))).toEqual(new Set([403]));
    const slow = [];
    for (let i = 0; i < 200; i++) slow.push((await appendJson(server.url, "/flood", schedule(`s${i}`))).status);
    expect(slow.filter((status) => status === 201)).toHaveLength(100);
    expect(slow.slice(100)).toEqual(Array.from({ length: 100 }, () => 403));
    expect(await readEvents(server.url, "/flood")).toHaveLength(100);
  });
});
