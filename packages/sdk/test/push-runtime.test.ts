import type { AddressInfo } from "node:net";
import { createHmac } from "node:crypto";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { createEventsClient, defineProcessor, PushProcessorRuntime } from "../src/index.ts";
import { captureLogger } from "./support/runtime.ts";
import { readAll, waitFor, waitForEvent } from "./support/wait-for.ts";

let server: TestServer;
const receivers: ServerType[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const receiver of receivers) receiver.close();
  await server.close();
});

/** Mounts a runtime's fetch handler on a real HTTP server (Hono's Node adapter) and returns its URL. */
async function mount(runtime: PushProcessorRuntime<any>): Promise<string> {
  return new Promise((resolve) => {
    const receiver = serve({ fetch: runtime.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}/hooks`));
    receivers.push(receiver);
  });
}

function pingPong(calls: string[] = []) {
  return defineProcessor(() => ({
    slug: "push-ping-pong",
    initialState: { pings: 0 },
    reduce: ({ event, state }) => (event.type === "ping" ? { pings: state.pings + 1 } : undefined),
    onCaughtUp: ({ state, path }) => void calls.push(`caught up ${path} ${state.pings}`),
    afterAppend: async ({ event, state, append }) => {
      calls.push(`after #${event.offset} ${state.pings}`);
      if (event.type === "ping") await append({ event: { type: "pong", payload: { sourceOffset: event.offset, pings: state.pings } } });
    },
  }));
}

const deliver = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });

describe("PushProcessorRuntime", () => {
  it("catches up on the first delivery, ignores duplicates, and fills an offset gap by reading the stream", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const calls: string[] = [];
    const runtime = new PushProcessorRuntime({ processor: pingPong(calls), client, logger: captureLogger() });
    const url = await mount(runtime);
    for (let i = 0; i < 3; i++) await client.append({ path: "/push/direct", event: { type: "ping" } });
    const fourth = await client.append({ path: "/push/direct", event: { type: "ping" } });

    const first = await deliver(url, fourth);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ handled: [4], duplicates: [] });
    expect(calls).toEqual(["caught up /push/direct 3", "after #4 4"]);

    const again = await deliver(url, fourth);
    expect(await again.json()).toEqual({ handled: [], duplicates: [4] });

    // #5 is the pong; #6 is skipped by the "subscription"; #7 is delivered.
    const sixth = await client.append({ path: "/push/direct", event: { type: "ping" } });
    const seventh = await client.append({ path: "/push/direct", event: { type: "ping" } });
    expect(sixth.offset).toBe(6);
    await deliver(url, { event: seventh });
    expect(calls.slice(2)).toEqual(["after #7 6"]);
    expect(runtime.state("/push/direct")).toEqual({ pings: 6 });
    const pongs = (await readAll(server.url, "/push/direct")).filter((event) => event.type === "pong").map((event) => event.payload);
    expect(pongs).toEqual([
      { sourceOffset: 4, pings: 4 },
      { sourceOffset: 7, pings: 6 },
    ]);
    await runtime.stop();
  });

  it("refuses a body that is not a delivery of stored events with a 4xx that says so", async () => {
    const runtime = new PushProcessorRuntime({ processor: pingPong(), baseUrl: server.url, logger: captureLogger() });
    const url = await mount(runtime);
    const bad = await deliver(url, { type: "ping" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_request", message: expect.stringContaining("Not a delivery") });
    expect((await deliver(url, "not json")).status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
  });

  it("checks the signature when given the subscription's secret", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const runtime = new PushProcessorRuntime({ processor: pingPong(), client, secret: "s3cret", logger: captureLogger() });
    const url = await mount(runtime);
    const event = await client.append({ path: "/push/signed", event: { type: "ping" } });
    const body = JSON.stringify(event);
    const timestamp = "1700000000";
    const signature = `sha256=${createHmac("sha256", "s3cret").update(`${timestamp}.${body}`).digest("hex")}`;
    expect((await deliver(url, body, { "tributary-timestamp": timestamp, "tributary-signature": "sha256=00" })).status).toBe(401);
    expect((await deliver(url, body)).status).toBe(401);
    expect((await deliver(url, body, { "tributary-timestamp": timestamp, "tributary-signature": signature })).status).toBe(200);
  });

  it("with acknowledge: on-receipt, answers at once so a later delivery can interrupt a long afterAppend", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    let interruptedBy: number | undefined;
    const processor = defineProcessor(() => ({
      slug: "push-jobs",
      initialState: {},
      interrupts: ({ event }) => event.type === "job",
      afterAppend: async ({ event, signal, append }) => {
        if (event.type !== "job") return;
        if (event.payload.long) {
          if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          interruptedBy = (signal.reason as { by: StoredEvent }).by.offset;
          return;
        }
        await append({ event: { type: "job-done", payload: { job: event.offset } } });
      },
    }));
    const runtime = new PushProcessorRuntime({ processor, client, acknowledge: "on-receipt", logger: captureLogger() });
    const url = await mount(runtime);
    const long = await client.append({ path: "/push/jobs", event: { type: "job", payload: { long: true } } });
    const short = await client.append({ path: "/push/jobs", event: { type: "job", payload: {} } });
    expect((await deliver(url, long)).status).toBe(202);
    expect((await deliver(url, short)).status).toBe(202);
    await waitForEvent(server.url, "/push/jobs", (event) => event.type === "job-done", "the short job");
    await waitFor(() => interruptedBy, "the long job to be interrupted");
    expect(interruptedBy).toBe(short.offset);
    await runtime.stop();
  });

  it("is fed end to end by the server's push subscription, including a filter that leaves gaps", async () => {
    const client = createEventsClient({ baseUrl: server.url });
    const calls: string[] = [];
    const runtime = new PushProcessorRuntime({ processor: pingPong(calls), client, logger: captureLogger() });
    const url = await mount(runtime);
    await client.append({ path: "/push/subscribed", event: { type: "ping" } });
    await client.append({ path: "/push/subscribed", event: { type: "subscription/configured", payload: { slug: "runtime", url, types: ["ping"] } } });
    await client.append({ path: "/push/subscribed", event: { type: "noise" } });
    const ping = await client.append({ path: "/push/subscribed", event: { type: "ping" } });
    const pong = await waitForEvent(server.url, "/push/subscribed", (event) => event.type === "pong", "a pong from the pushed runtime");
    // The history (one ping) was reduced on the first delivery, the skipped events through a gap read.
    expect(pong.payload).toEqual({ sourceOffset: ping.offset, pings: 2 });
    expect(calls).toEqual(["caught up /push/subscribed 1", `after #${ping.offset} 2`]);
    await runtime.stop();
  });
});
