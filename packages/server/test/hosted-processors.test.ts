import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, testBackend, type TestServer } from "../src/testing.ts";
import { stateOf } from "./builtins-support.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { pingPongModule } from "./support/ping-pong-module.ts";

// The limits are small so the runaway tests are quick; the defaults are in sandbox/sandbox-limits.ts.
const sandbox = { cpuMs: 50, memoryMb: 32, maxFailures: 2, logsPerSecond: 5 };

const pingPong = pingPongModule;

const deploy = (url: string, path: string, slug: string, script: string) => appendJson(url, path, { type: "processor/deployed", payload: { slug, script } });

// Starting the sandbox process takes seconds on a loaded machine: the waits here are generous.
const patience = 60_000;

async function waitForEvent(url: string, path: string, match: (event: StoredEvent) => boolean, what: string): Promise<StoredEvent> {
  return waitFor(async () => (await readEvents(url, path)).find(match), what, patience);
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ sandbox, allowOutbound: ["127.0.0.1"] });
});
afterAll(async () => {
  await server?.close();
});

describe("a deployed processor", { timeout: 180_000 }, () => {
  it("answers a ping with a pong with no process of the user's running, after a restart too; a redeploy replaces it and a removal stops it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tributary-hosted-"));
    let own = await startTestServer({ sandbox, dataDir, keepDataDir: true });
    try {
      expect((await deploy(own.url, "/me/pp", "ping-pong", pingPong("pong"))).status).toBe(201);
      await waitForEvent(own.url, "/me/pp", (event) => event.type === "processor/started", "processor/started");
      const ping = (await (await appendJson(own.url, "/me/pp", { type: "ping" })).json()) as StoredEvent;
      const pong = await waitForEvent(own.url, "/me/pp", (event) => event.type === "pong" && event.payload.sourceOffset === ping.offset, "the pong");
      expect(pong.metadata).toMatchObject({ processor: "ping-pong", causedBy: { path: "/me/pp", offset: ping.offset } });
      // Provenance, set by the server: the hosted processor, and the event that caused the append.
      expect(pong.appendedBy).toEqual({ kind: "processor", slug: "ping-pong", causedBy: { streamPath: "/me/pp", offset: ping.offset } });
      const started = await waitForEvent(own.url, "/me/pp", (event) => event.type === "processor/started", "processor/started");
      expect(started.appendedBy).toMatchObject({ kind: "processor", slug: "hosted-processors" });
      const state = await stateOf(own.url, "/me/pp");
      expect(state["hosted-processors"].processors).toEqual([expect.objectContaining({ slug: "ping-pong", status: "running", state: { seen: 1 } })]);

      await own.close();
      own = await startTestServer({ sandbox, dataDir, keepDataDir: true });
      const afterRestart = (await (await appendJson(own.url, "/me/pp", { type: "ping" })).json()) as StoredEvent;
      await waitForEvent(own.url, "/me/pp", (event) => event.type === "pong" && event.payload.sourceOffset === afterRestart.offset, "a pong after the restart");
      // The state was rebuilt from the history: two pings.
      await waitFor(async () => (await stateOf(own.url, "/me/pp"))["hosted-processors"].processors[0].state?.seen === 2, "the rebuilt state", patience);

      expect((await deploy(own.url, "/me/pp", "ping-pong", pingPong("pong-2"))).status).toBe(201);
      await waitFor(
        async () => (await readEvents(own.url, "/me/pp")).filter((event) => event.type === "processor/started").length === 3,
        "the redeploy's start",
        patience,
      );
      const third = (await (await appendJson(own.url, "/me/pp", { type: "ping" })).json()) as StoredEvent;
      await waitForEvent(own.url, "/me/pp", (event) => event.type === "pong-2" && event.payload.sourceOffset === third.offset, "the new version's answer");
      expect((await readEvents(own.url, "/me/pp")).filter((event) => event.type === "pong" && event.payload.sourceOffset === third.offset)).toEqual([]);

      expect((await appendJson(own.url, "/me/pp", { type: "processor/removed", payload: { slug: "ping-pong" } })).status).toBe(201);
      await waitFor(async () => (await stateOf(own.url, "/me/pp"))["hosted-processors"].processors.length === 0, "the removal", patience);
      const unanswered = (await (await appendJson(own.url, "/me/pp", { type: "ping" })).json()) as StoredEvent;
      // A marker after the unanswered ping, answered by a second deployment: by then the removed one would have answered too.
      expect((await deploy(own.url, "/me/pp", "witness", pingPong("witnessed"))).status).toBe(201);
      const marker = (await (await appendJson(own.url, "/me/pp", { type: "ping" })).json()) as StoredEvent;
      await waitForEvent(own.url, "/me/pp", (event) => event.type === "witnessed" && event.payload.sourceOffset === marker.offset, "the witness's answer");
      const events = await readEvents(own.url, "/me/pp");
      expect(events.filter((event) => event.type.startsWith("pong") && event.payload.sourceOffset === unanswered.offset)).toEqual([]);
    } finally {
      await own.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("appends only to its own stream and its descendants, with relative paths as in the SDK", async () => {
    const script = `export default {
      slug: "fan-out", initialState: null,
      afterAppend: async ({ event, append, logger }) => {
        if (event.type !== "go") return;
        await append({ path: "./child", event: { type: "below" } });
        try { await append({ path: "../elsewhere", event: { type: "escaped" } }); } catch (error) { logger.warn(error.message); }
      },
    };`;
    expect((await deploy(server.url, "/fan/out", "fan-out", script)).status).toBe(201);
    await waitForEvent(server.url, "/fan/out", (event) => event.type === "processor/started", "the start");
    await appendJson(server.url, "/fan/out", { type: "go" });
    const below = await waitForEvent(server.url, "/fan/out/child", (event) => event.type === "below", "the child's event");
    expect(below.appendedBy).toEqual({ kind: "processor", slug: "fan-out", causedBy: { streamPath: "/fan/out", offset: expect.any(Number) } });
    const warning = await waitForEvent(server.url, "/fan/out", (event) => event.type === "processor/logged", "the refusal, logged");
    expect(warning.payload).toMatchObject({ slug: "fan-out", level: "warn" });
    expect(warning.appendedBy).toMatchObject({ kind: "processor", slug: "fan-out" });
    expect(String(warning.payload.message)).toMatch(/only to its own stream \(\/fan\/out\) and its descendants, not \/fan\/elsewhere/);
    expect(await readEvents(server.url, "/fan/elsewhere").catch(() => [])).toEqual([]);
  });

  it("is refused with 400 when its module exports nothing, and suspended with the reason when it cannot be loaded", async () => {
    const refused = await deploy(server.url, "/bad/module", "nothing", "const x = 1;");
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/exports nothing/);
    expect((await deploy(server.url, "/bad/module", "syntax", "export default {{{")).status).toBe(201);
    const suspended = await waitForEvent(server.url, "/bad/module", (event) => event.type === "processor/suspended", "the suspension");
    expect(suspended.payload).toMatchObject({ slug: "syntax", reason: expect.stringMatching(/could not be loaded/) });
    expect((await stateOf(server.url, "/bad/module"))["hosted-processors"].processors[0]).toMatchObject({ status: "suspended" });
  });
});

describe("the sandbox", { timeout: 180_000 }, () => {
  it("stops a while(true) afterAppend at the CPU limit with an error event naming slug, offset and limit, suspends it after repeated failures, and other streams keep serving meanwhile", async () => {
    const script = `export default { slug: "spin", initialState: 0, afterAppend: ({ event }) => { if (event.type === "spin") while (true) {} } };`;
    expect((await deploy(server.url, "/runaway/spin", "spin", script)).status).toBe(201);
    await waitForEvent(server.url, "/runaway/spin", (event) => event.type === "processor/started", "the start");
    const first = (await (await appendJson(server.url, "/runaway/spin", { type: "spin" })).json()) as StoredEvent;
    await appendJson(server.url, "/runaway/spin", { type: "spin" });
    // While the runaway spins, another client's appends keep succeeding.
    for (let index = 0; index < 20; index += 1)
      expect((await appendJson(server.url, "/bystander", { type: "still-here", payload: { index } })).status).toBe(201);
    const error = await waitForEvent(
      server.url,
      "/runaway/spin",
      (event) => event.type === "stream/error-occurred" && event.payload.offset === first.offset,
      "the CPU limit error",
    );
    expect(error.payload).toMatchObject({ processor: "spin", slug: "spin", kind: "cpu", limit: { cpuMs: 50 } });
    expect(String(error.payload.message)).toMatch(/CPU time limit of 50 ms/);
    const suspended = await waitForEvent(server.url, "/runaway/spin", (event) => event.type === "processor/suspended", "the suspension");
    expect(suspended.payload).toMatchObject({ slug: "spin", failures: 2 });
    expect((await readEvents(server.url, "/bystander")).filter((event) => event.type === "still-here")).toHaveLength(20);
  });

  it("counts a call's CPU over every run in the isolate: spinning after an awaited append, a loop of awaits, and short spins between appends that add up each stop at the CPU limit", async () => {
    // A roomier limit than the other tests', so a loaded machine does not stop the short runs by their wall time.
    const roomy = await startTestServer({ sandbox: { ...sandbox, cpuMs: 200 } });
    try {
      const script = `export default { slug: "late", initialState: 0, afterAppend: async ({ event, append }) => {
        const spin = (ms) => { const end = Date.now() + ms; while (Date.now() < end) {} };
        if (event.type === "after-await") { await append({ event: { type: "noted" } }); while (true) {} }
        if (event.type === "microtasks") for (;;) await null;
        if (event.type === "adds-up") for (let i = 0; i < 30; i++) { await append({ event: { type: "noted", payload: { i } } }); spin(80); }
      } };`;
      const noted = async (path: string) => (await readEvents(roomy.url, path)).filter((event) => event.type === "noted");
      for (const kind of ["after-await", "microtasks", "adds-up"]) {
        const path = `/runaway/late-${kind}`;
        expect((await deploy(roomy.url, path, "late", script)).status).toBe(201);
        await waitForEvent(roomy.url, path, (event) => event.type === "processor/started", "the start");
        const cause = (await (await appendJson(roomy.url, path, { type: kind })).json()) as StoredEvent;
        const error = await waitForEvent(roomy.url, path, (event) => event.type === "stream/error-occurred", `the CPU limit error of ${kind}`);
        expect(error.payload).toMatchObject({ slug: "late", offset: cause.offset, kind: "cpu", limit: { cpuMs: 200 } });
        // The spinning started after the awaited append was stored.
        if (kind === "after-await") await waitFor(async () => (await noted(path)).length === 1, "the append before the spin", patience);
        // Each spin of 80 ms is under the limit alone: the call was stopped because they added up.
        if (kind === "adds-up") await waitFor(async () => (await noted(path)).length >= 3, "three appends before the limit", patience);
      }
    } finally {
      await roomy.close();
    }
  });

  it("stops an afterAppend still waiting at its wall time limit, and runs the next event", async () => {
    await withSilentServer(500, async ({ patient, port }) => {
      const script = `export default { slug: "waits", initialState: 0, afterAppend: async ({ event, append }) => {
        if (event.type === "wait") await fetch("http://127.0.0.1:${port}/never");
        if (event.type === "next") await append({ event: { type: "answered" } });
      } };`;
      expect((await deploy(patient.url, "/waits", "waits", script)).status).toBe(201);
      await waitForEvent(patient.url, "/waits", (event) => event.type === "processor/started", "the start");
      const wait = (await (await appendJson(patient.url, "/waits", { type: "wait" })).json()) as StoredEvent;
      await appendJson(patient.url, "/waits", { type: "next" });
      const error = await waitForEvent(patient.url, "/waits", (event) => event.type === "stream/error-occurred", "the wall limit error");
      expect(error.payload).toMatchObject({ slug: "waits", offset: wait.offset, kind: "wall", limit: { wallMs: 500 } });
      await waitForEvent(patient.url, "/waits", (event) => event.type === "answered", "the next event's append");
    });
  });

  it("replaces a processor whose afterAppend is waiting on a fetch at once, without waiting out the call's wall time", async () => {
    // A wall time far beyond the wait below: the old call must end because its processor was replaced.
    await withSilentServer(10 * patience, async ({ patient, port, silent }) => {
      const waits = `export default { slug: "swap", initialState: 0, afterAppend: async ({ event }) => { if (event.type === "wait") await fetch("http://127.0.0.1:${port}/never"); } };`;
      const answers = `export default { slug: "swap", initialState: 0, afterAppend: async ({ event, append }) => { if (event.type === "next") await append({ event: { type: "answered" } }); } };`;
      expect((await deploy(patient.url, "/swap", "swap", waits)).status).toBe(201);
      await waitForEvent(patient.url, "/swap", (event) => event.type === "processor/started", "the start");
      await appendJson(patient.url, "/swap", { type: "wait" });
      // The fetch is under way once the silent server has its request.
      await waitFor(async () => new Promise<boolean>((resolve) => silent.getConnections((_, count) => resolve(count > 0))), "the fetch", patience);
      const redeployed = (await (await deploy(patient.url, "/swap", "swap", answers)).json()) as StoredEvent;
      await waitForEvent(
        patient.url,
        "/swap",
        (event) => event.type === "processor/started" && event.payload.deployedOffset === redeployed.offset,
        "the new start",
      );
      await appendJson(patient.url, "/swap", { type: "next" });
      await waitForEvent(patient.url, "/swap", (event) => event.type === "answered", "the new processor's answer");
    });
  });

  /** A server that never answers, and a test server with this wall time whose processors may call it. */
  async function withSilentServer(wallMs: number, test: (servers: { patient: TestServer; port: number; silent: http.Server }) => Promise<void>) {
    const silent = http.createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const patient = await startTestServer({ sandbox: { ...sandbox, wallMs }, allowOutbound: ["127.0.0.1"] });
    try {
      await test({ patient, port: (silent.address() as AddressInfo).port, silent });
    } finally {
      await patient.close();
      silent.closeAllConnections();
      silent.close();
    }
  }

  it("stops a reduce that allocates without end at the memory limit", async () => {
    // A CPU limit high enough that the heap fills up first.
    const roomy = await startTestServer({ sandbox: { ...sandbox, cpuMs: 20_000 } });
    try {
      await allocateForever(roomy);
    } finally {
      await roomy.close();
    }
  });

  async function allocateForever(server: TestServer) {
    const script = `export default { slug: "hog", initialState: [], reduce: ({ event, state }) => { if (event.type === "hog") { const all = []; for (;;) all.push(new Array(1000).fill(event.offset)); } return state; } };`;
    expect((await deploy(server.url, "/runaway/hog", "hog", script)).status).toBe(201);
    await waitForEvent(server.url, "/runaway/hog", (event) => event.type === "processor/started", "the start");
    const hog = (await (await appendJson(server.url, "/runaway/hog", { type: "hog" })).json()) as StoredEvent;
    const error = await waitForEvent(
      server.url,
      "/runaway/hog",
      (event) => event.type === "stream/error-occurred" && event.payload.slug === "hog",
      "the limit error",
    );
    expect(error.payload).toMatchObject({ processor: "hog", offset: hog.offset });
    expect(error.payload).toMatchObject({ kind: "memory", limit: { memoryMb: 32 } });
    expect(String(error.payload.message)).toMatch(/memory limit of 32 MB/);
    expect((await appendJson(server.url, "/bystander", { type: "still-here" })).status).toBe(201);
  }

  it("offers no process, require, Function-constructor escape, module import or metadata address", async () => {
    const script = `export default {
      slug: "probe", initialState: null,
      afterAppend: async ({ event, logger }) => {
        if (event.type !== "probe") return;
        const found = {};
        found.process = typeof process;
        found.require = typeof require;
        try { found.escape = typeof globalThis.constructor.constructor("return process")(); } catch (error) { found.escape = error.name + ": " + error.message; }
        try { await import("node:fs"); found.import = "loaded"; } catch (error) { found.import = "threw"; }
        try { const response = await fetch("http://169.254.169.254/latest/meta-data/"); found.metadata = response.status; } catch (error) { found.metadata = error.message; }
        found.timers = typeof setTimeout + "," + typeof setInterval;
        logger.info("probed", found);
      },
    };`;
    expect((await deploy(server.url, "/probe", "probe", script)).status).toBe(201);
    await waitForEvent(server.url, "/probe", (event) => event.type === "processor/started", "the start");
    await appendJson(server.url, "/probe", { type: "probe" });
    const probed = await waitForEvent(server.url, "/probe", (event) => event.type === "processor/logged", "the probe's report");
    expect(probed.payload.fields).toMatchObject({
      process: "undefined",
      require: "undefined",
      escape: "ReferenceError: process is not defined",
      import: "threw",
      timers: "undefined,undefined",
    });
    expect(String((probed.payload.fields as { metadata: string }).metadata)).toMatch(/169\.254\.169\.254.*(refused|link-local|metadata)/i);
  });

  it("turns logger calls into processor/logged events, rate-limited with a count of the dropped ones", async () => {
    const script = `export default { slug: "chatty", initialState: null, afterAppend: ({ event, logger }) => { if (event.type === "talk") for (let i = 0; i < 50; i++) logger.info("line " + i, { i }); } };`;
    expect((await deploy(server.url, "/chatty", "chatty", script)).status).toBe(201);
    await waitForEvent(server.url, "/chatty", (event) => event.type === "processor/started", "the start");
    await appendJson(server.url, "/chatty", { type: "talk" });
    await waitForEvent(server.url, "/chatty", (event) => event.type === "processor/logged", "a log line");
    // The first talk used up the budget; a later one gets lines in again, the first of them counting the dropped.
    let lastTalk = Date.now();
    const withDropped = await waitFor(
      async () => {
        const found = (await readEvents(server.url, "/chatty")).find((event) => event.type === "processor/logged" && typeof event.payload.dropped === "number");
        if (!found && Date.now() - lastTalk > 300) {
          lastTalk = Date.now();
          await appendJson(server.url, "/chatty", { type: "talk" });
        }
        return found;
      },
      "a line counting dropped ones",
      patience,
    );
    expect(withDropped.payload.dropped).toBeGreaterThan(0);
    expect((await readEvents(server.url, "/chatty")).filter((event) => event.type === "processor/logged").length).toBeLessThan(20);
  });
});

describe("secrets in a hosted processor's fetch", { timeout: 180_000 }, () => {
  it("are substituted on the way out to a bound host only, and appear in no event, response or data file in clear", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const receiver = http.createServer((request, response) => {
      seen.push(request.headers);
      response.writeHead(200, { "content-type": "application/json" });
      // A server that echoes the credential back: the processor must not get it through the body.
      response.end(JSON.stringify({ echoed: request.headers.authorization }));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as AddressInfo).port;
    const secret = "sk-test-9f8e7d6c5b4a39281706";
    try {
      const put = await fetch(`${server.url}/api/secrets/MODEL_KEY`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: secret, allowedHosts: [`127.0.0.1:${port}`] }),
      });
      expect(put.status).toBe(201);
      await fetch(`${server.url}/api/secrets/UNBOUND`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: "sk-unbound-secret-value" }),
      });
      const script = `export default {
        slug: "caller", initialState: null,
        afterAppend: async ({ event, append }) => {
          if (event.type !== "call") return;
          const response = await fetch("http://127.0.0.1:${port}/v1/chat", { method: "POST", headers: { authorization: "Bearer {{secret:MODEL_KEY}}" }, body: "{}" });
          const body = await response.json();
          let unbound;
          try { await fetch("http://127.0.0.1:${port}/other", { headers: { authorization: "Bearer {{secret:UNBOUND}}" } }); unbound = "sent"; } catch (error) { unbound = error.message; }
          await append({ event: { type: "answered", payload: { status: response.status, echoed: body.echoed, unbound } } });
        },
      };`;
      expect((await deploy(server.url, "/secret/caller", "caller", script)).status).toBe(201);
      await waitForEvent(server.url, "/secret/caller", (event) => event.type === "processor/started", "the start");
      await appendJson(server.url, "/secret/caller", { type: "call" });
      const answered = await waitForEvent(server.url, "/secret/caller", (event) => event.type === "answered", "the answer");
      expect(seen).toHaveLength(1);
      expect(seen[0]!.authorization).toBe(`Bearer ${secret}`);
      expect(answered.payload).toMatchObject({ status: 200, echoed: "Bearer {{secret:MODEL_KEY}}" });
      expect(String(answered.payload.unbound)).toMatch(/secret 'UNBOUND' is not bound to 127\.0\.0\.1:\d+/);

      const listing = await (await fetch(`${server.url}/api/secrets`)).text();
      expect(listing).not.toContain(secret);
      expect(listing).toContain(`127.0.0.1:${port}`);
      const everything = JSON.stringify(await readEvents(server.url, "/secret/caller"));
      expect(everything).not.toContain(secret);
      if (testBackend === "sqlite") {
        const files = readdirSync(server.dataDir, { recursive: true }).map((name) => join(server.dataDir, String(name)));
        for (const file of files) {
          if (!statSync(file).isFile()) continue;
          expect(readFileSync(file).includes(secret), file).toBe(false);
          expect(readFileSync(file).includes("sk-unbound-secret-value"), file).toBe(false);
        }
        expect(statSync(join(server.dataDir, "secrets.key")).mode & 0o777).toBe(0o600);
      }
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
