import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, waitFor, type TestServer } from "@tributary/server/testing";
import { agentConversation } from "./support/agent-conversation.ts";
import { append, launchBrowser, openUi, screenshotDir } from "./support/browser.ts";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the stream tree and the stream view", () => {
  it("shows a stream created after the page loaded, filters the tree, and drops deleted streams", async () => {
    await append(server.url, "/tree/early", [{ type: "hello-world" }]);
    const { page, errors } = await openUi(browser, server.url);
    await page.locator('.tree-row[data-path="/tree/early"]').waitFor();

    await append(server.url, "/tree/late/arrival", [{ type: "hello-world" }]);
    await page.locator('.tree-row[data-path="/tree/late/arrival"]').waitFor();

    await page.fill(".tree-filter", "arriv");
    await page.locator('.tree-row[data-path="/tree/early"]').waitFor({ state: "detached" });
    expect(await page.locator(".tree-row").evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.path))).toEqual([
      "/",
      "/tree",
      "/tree/late",
      "/tree/late/arrival",
    ]);
    await page.click('.tree-row[data-path="/tree/late/arrival"] a');
    await page.locator(".stream-title h1", { hasText: "arrival" }).waitFor();
    expect(page.url()).toContain("#/tree/late/arrival");

    await page.fill(".tree-filter", "");
    const deleted = await fetch(`${server.url}/api/streams/tree/late?recursive=true`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    await page.locator('.tree-row[data-path="/tree/late/arrival"]').waitFor({ state: "detached" });
    await page.locator('.tree-row[data-path="/tree/late"]').waitFor({ state: "detached" });
    expect(await page.locator('.tree-row[data-path="/tree/early"]').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it("badges every stream in the tree from the server's listing: agent, paused, failing, live, without opening any", async () => {
    await append(server.url, "/badges/agent", [
      { type: "circuit-breaker/configured", payload: { maxEvents: 10_000, windowSeconds: 1 } },
      { type: "agent-input-added", payload: { content: "hello" } },
      ...Array.from({ length: 600 }, () => ({ type: "note" })),
    ]);
    await append(server.url, "/badges/paused", [{ type: "stream/paused", payload: { reason: "maintenance" } }]);
    await append(server.url, "/badges/hook", [
      { type: "subscription/configured", payload: { slug: "down", url: "http://127.0.0.1:9/hook" } },
      { type: "note" },
    ]);
    await append(server.url, "/badges/plain", [{ type: "note" }]);
    // The listing says the webhook is failing once its first delivery failed: only then load the page.
    await waitFor(async () => {
      const tree = (await (await fetch(`${server.url}/api/tree/badges?status=true`)).json()) as { streams: { path: string; status: { failing: boolean } }[] };
      return tree.streams.find((stream) => stream.path === "/badges/hook")?.status.failing;
    }, "the webhook to be failing");

    const { page, errors } = await openUi(browser, server.url);
    const row = (path: string) => page.locator(`.tree-row[data-path="${path}"]`);
    await row("/badges/agent").locator(".tree-badge.agent").waitFor();
    await row("/badges/paused").locator(".tree-badge.paused").waitFor();
    await row("/badges/hook").locator(".tree-badge.failing").waitFor();
    const badges = async (path: string) =>
      row(path)
        .locator(".tree-badge")
        .evaluateAll((found) => found.map((badge) => badge.className.replace("tree-badge ", "")).sort());
    // Each was appended to just now: all are live; only what their state says besides.
    expect(await badges("/badges/agent")).toEqual(["active", "agent"]);
    expect(await badges("/badges/paused")).toEqual(["active", "paused"]);
    expect(await badges("/badges/hook")).toEqual(["active", "failing"]);
    expect(await badges("/badges/plain")).toEqual(["active"]);
    expect(await row("/badges/agent").locator(".tree-count").innerText()).toBe("602");
    expect(await row("/badges/agent").locator(".tree-count").getAttribute("title")).toMatch(/^602 events; last activity /);

    // Opening the agent's stream, whose loaded window holds no agent event, keeps its agent badge.
    await page.click('.tree-row[data-path="/badges/agent"] a');
    await page.locator(".stream-title h1", { hasText: "agent" }).waitFor();
    await page.locator(".state-count").waitFor();
    expect(await badges("/badges/agent")).toEqual(["active", "agent"]);
    expect(errors).toEqual([]);
  });

  it("shows events appended while the stream is open, as YAML with each type linked to its docs", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/yaml/live`);
    await page.click("text=Events (YAML)");
    await page.locator(".list-empty", { hasText: "No events yet" }).waitFor();

    await append(server.url, "/yaml/live", [{ type: "hello-world", payload: { text: "line 1\nline 2", n: 3 } }]);
    const first = page.locator('.event-row[data-offset="1"]');
    await first.waitFor();
    expect(await first.locator("pre.yaml").innerText()).toBe(
      [
        "type: hello-world",
        "payload:",
        "  text: |-",
        "    line 1",
        "    line 2",
        "  n: 3",
        "streamPath: /yaml/live",
        "offset: 1",
        `createdAt: ${await first.locator("time").getAttribute("datetime")}`,
      ].join("\n"),
    );

    await append(server.url, "/yaml/live", [{ type: "circuit-breaker/configured", payload: { maxEvents: 500, windowSeconds: 1 } }]);
    const link = page.locator('.event-row[data-offset="2"] a.type-link');
    await link.waitFor();
    const href = await link.getAttribute("href");
    expect(href).toBe("/api/docs/events/circuit-breaker/configured");
    const docs = await fetch(`${server.url}${href}`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("Circuit breaker configured");
    expect(await page.locator(".event-count").innerText()).toBe("2 events");
    await page.screenshot({ path: `${screenshotDir}/events-yaml.png` });
    expect(errors).toEqual([]);
  });

  it("renders an agent conversation in the feed, with the reply's text streaming in", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/feed/agent`);
    await page.locator(".feed-list").waitFor();

    // Everything up to the second reply's first chunk: the reply is still streaming.
    await append(server.url, "/feed/agent", agentConversation.slice(0, 13));
    const reply = page.locator('[data-kind="agent-reply"]').last();
    await reply.locator(".bubble-text", { hasText: "There are two files:" }).waitFor();
    expect(await reply.getAttribute("data-status")).toBe("streaming");
    expect(await reply.locator(".bubble.streaming").count()).toBe(1);

    await append(server.url, "/feed/agent", agentConversation.slice(13, 14));
    await reply.locator(".bubble-text", { hasText: "There are two files: README.md and" }).waitFor();

    await append(server.url, "/feed/agent", agentConversation.slice(14));
    await page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text', { hasText: "README.md and package.json." }).waitFor();

    const user = page.locator('[data-kind="agent-input"][data-role="user"] .bubble');
    expect(await user.innerText()).toBe("Which files are here?");
    const tool = page.locator('[data-kind="agent-tool"]');
    expect(await tool.locator(".feed-title").innerText()).toContain("shell");
    expect(await tool.locator(".tool-status").innerText()).toBe("done");
    expect(await tool.locator(".tool-args").innerText()).toContain("command: ls");
    expect(await tool.locator(".tool-result").innerText()).toContain("README.md");
    expect(await page.locator('[data-kind="agent-run"]').innerText()).toContain("Run answered");
    expect(await page.locator('[data-kind="agent-config"]').first().innerText()).toContain("mock-model");
    await page.screenshot({ path: `${screenshotDir}/feed-agent.png` });
    expect(errors).toEqual([]);
  });

  it("keeps projects apart: the picker switches to a project's own streams, and live views follow it", async () => {
    await append(server.url, "/projects/only-in-alpha", [{ type: "hello-world" }], "alpha");
    await append(server.url, "/projects/in-default", [{ type: "hello-world" }]);
    const { page, errors } = await openUi(browser, `${server.url}/?project=alpha`);
    await page.locator('.tree-row[data-path="/projects/only-in-alpha"]').waitFor();
    await page.click('.tree-row[data-path="/projects/only-in-alpha"] a');
    await page.click("text=Events (YAML)");
    await append(server.url, "/projects/only-in-alpha", [{ type: "second-one" }], "alpha");
    await page.locator('.event-row[data-offset="2"]', { hasText: "second-one" }).waitFor();

    await page.fill(".project-input", "default");
    await page.press(".project-input", "Enter");
    await page.waitForURL((url) => url.search === "?project=default");
    await page.locator('.tree-row[data-path="/projects/in-default"]').waitFor();
    expect(await page.locator('.tree-row[data-path="/projects/only-in-alpha"]').count()).toBe(0);

    await page.fill(".project-input", "not a name!");
    await page.press(".project-input", "Enter");
    await page.locator(".project-hint", { hasText: "letters, digits" }).waitFor();
    expect(new URL(page.url()).search).toBe("?project=default");
    expect(errors).toEqual([]);
  });

  it("marks the events the scheduler and a transformer appended, with the built-in that did it", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/builtins/marks`);
    await page.locator(".feed-list").waitFor();
    await append(server.url, "/builtins/marks", [
      {
        type: "transformer/configured",
        payload: {
          slug: "webhook-to-agent",
          matcher: "type = 'stream/invalid-event-appended' and $exists(payload.rawInput.text)",
          transform: "{ 'type': 'agent-input-added', 'payload': { 'content': payload.rawInput.text } }",
        },
      },
      {
        type: "schedule/configured",
        payload: {
          slug: "reminder",
          event: { type: "agent-input-added", payload: { content: "Time to check in." } },
          schedule: { kind: "once-in", seconds: 0.2 },
        },
      },
    ]);
    // A webhook body that is not an event: stored as invalid, then transformed into an agent input.
    await fetch(`${server.url}/api/streams/builtins/marks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "hello from a webhook" }),
    });

    const scheduled = page.locator('[data-kind="agent-input"]', { hasText: "Time to check in." });
    await scheduled.locator(".chip", { hasText: "reminder" }).waitFor();
    const transformed = page.locator('[data-kind="agent-input"]', { hasText: "hello from a webhook" });
    await transformed.locator(".chip", { hasText: "webhook-to-agent from #" }).waitFor();
    await page.locator('[data-kind="error"]', { hasText: "Invalid event appended" }).waitFor();
    await page.screenshot({ path: `${screenshotDir}/feed-builtins.png` });
    expect(errors).toEqual([]);
  });
});
