import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startMockLlm, type MockLlm } from "@tributary/agent";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { startAgent } from "@tributary/agent";
import { formatMs } from "../src/views/trace-view.ts";
import { launchBrowser, openUi, readAll, screenshotDir } from "./support/browser.ts";

let server: TestServer;
let llm: MockLlm;
let browser: Browser;
let agent: Awaited<ReturnType<typeof startAgent>>;
let cwd: string;
const path = "/ui/agent";

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "tributary-ui-agent-"));
  [server, browser, llm] = await Promise.all([
    startTestServer(),
    launchBrowser(),
    startMockLlm({
      script: [
        { match: "files", toolCalls: [{ name: "shell", arguments: { command: "echo hello-from-bash" } }] },
        // Slow chunks, so the test can see the reply while it streams.
        { match: { last: "hello-from-bash" }, text: "The shell printed **hello-from-bash** for you.", chunkDelayMs: 250 },
      ],
    }),
  ]);
  agent = await startAgent({
    baseUrl: server.url,
    path,
    cwd,
    agent: { model: "mock-model", baseUrl: llm.baseUrl, api: "chat", apiKey: "sk-test", maxRetries: 0, contextWindowMs: 20 },
  });
});
afterAll(async () => {
  await agent?.stop();
  await browser?.close();
  await llm?.close();
  await server?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe("the feed with a real agent", () => {
  it("shows a message typed in the composer, the tool call it causes and the reply streaming in", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.locator('[data-kind="agent-tools"] .tool-chip', { hasText: "shell" }).waitFor();

    await page.fill(".composer-message", "Which files are here?");
    await page.press(".composer-message", "Enter");
    await page.locator('[data-kind="agent-input"] .bubble', { hasText: "Which files are here?" }).waitFor();

    const tool = page.locator('[data-kind="agent-tool"]');
    await tool.locator(".tool-status", { hasText: "done" }).waitFor();
    expect(await tool.locator(".tool-result").innerText()).toContain("hello-from-bash");

    const streaming = page.locator('[data-kind="agent-reply"][data-status="streaming"] .bubble-text', { hasText: "The shell" });
    await streaming.waitFor();
    expect(await streaming.innerText()).not.toContain("for you.");
    const done = page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text', { hasText: "The shell printed hello-from-bash for you." });
    await done.waitFor();
    // The reply's markdown is rendered, not shown raw.
    expect(await done.locator("strong").innerText()).toBe("hello-from-bash");
    await page.locator('[data-kind="agent-run"]', { hasText: "Run answered" }).waitFor();
    await page.screenshot({ path: `${screenshotDir}/feed-real-agent.png` });

    // The feed is derived from the stream: every event it drew is there, in the raw view too.
    const events = await readAll(server.url, path);
    expect(events.filter((event) => event.type === "agent-output-chunk-received").length).toBeGreaterThan(3);
    await page.click("text=Events (YAML)");
    await page.locator(`.event-row[data-offset="${events.at(-1)!.offset}"]`).waitFor();
    expect(errors).toEqual([]);
  });

  it("shows the run as a trace: each LLM call's time to first token, duration and tokens as the events say", async () => {
    const events = await readAll(server.url, path);
    const at = (event: { createdAt: string }) => Date.parse(event.createdAt);
    const started = events.filter((event) => event.type === "agent-request-started");
    expect(started).toHaveLength(2);
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.locator('[role="tab"]', { hasText: "Trace" }).click();
    await page.locator(".trace-run").first().waitFor();
    for (const start of started) {
      const requestId = String(start.payload.requestId);
      const firstChunk = events.find((event) => event.type === "agent-output-chunk-received" && event.payload.requestId === requestId)!;
      const completed = events.find((event) => event.type === "agent-output-completed" && event.payload.requestId === requestId)!;
      const span = page.locator(`.trace-span[data-request-id="${requestId}"]`);
      expect(await span.locator(".span-ttft").innerText()).toBe(formatMs(at(firstChunk) - at(start)));
      expect(await span.locator(".span-duration").innerText()).toBe(formatMs(at(completed) - at(start)));
      const usage = completed.payload.usage as { inputTokens: number; outputTokens: number } | undefined;
      expect(await span.locator(".span-tokens").innerText()).toBe(usage ? `${usage.inputTokens} in → ${usage.outputTokens} out` : "—");
      expect(await span.locator(".span-model").innerText()).toBe("mock-model");
    }
    // The tool call nests under the request that asked for it, with its duration.
    const call = page.locator(".trace-span .trace-tool-call");
    expect(await call.locator(".tool-chip").innerText()).toContain("shell(");
    expect(await call.locator(".tool-status").innerText()).toBe("ok");
    // The request's messages and tools are there on demand.
    const second = page.locator(`.trace-span[data-request-id="${String(started[1]!.payload.requestId)}"]`);
    await second.locator(".span-request summary").click();
    expect(await second.locator(".span-messages").innerText()).toContain("Which files are here?");
    expect(await second.locator(".span-tools").innerText()).toContain("shell");
    await page.screenshot({ path: `${screenshotDir}/trace.png` });
    expect(errors).toEqual([]);
  });

  it("traces every LLM call of the whole stream, not only the loaded window, and adds a live run as it comes", async () => {
    const before = await readAll(server.url, path);
    const requestIds = before.filter((event) => event.type === "agent-request-started").map((event) => String(event.payload.requestId));
    expect(requestIds).toHaveLength(2);
    // Far more events after the run than the view loads: its window holds none of the agent's.
    const filler = Array.from({ length: 1_500 }, (_, i) => ({ type: "note", payload: { i } }));
    const response = await fetch(`${server.url}/api/streams${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: filler }),
    });
    expect(response.ok).toBe(true);

    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.locator('[role="tab"]', { hasText: "Trace" }).click();
    for (const requestId of requestIds) await page.locator(`.trace-span[data-request-id="${requestId}"] .span-ttft`).waitFor();
    expect(await page.locator(".event-count").innerText()).toContain("loaded");
    expect(await page.locator(".trace-run").count()).toBe(1);
    expect(await page.locator(".trace-input").first().innerText()).toBe("Which files are here?");

    // A new run while the tab is open joins the trace live, with its time to first token.
    llm.load([{ match: "again", text: "Hello again." }]);
    const input = await fetch(`${server.url}/api/streams${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "agent-input-added", payload: { content: "hello again" } }),
    });
    const { offset } = (await input.json()) as { offset: number };
    const run = page.locator(`.trace-run[data-input-offset="${offset}"]`);
    await run.locator(".span-ttft").waitFor();
    await page.locator(`.trace-run[data-input-offset="${offset}"][data-outcome="answered"]`).waitFor();
    expect(await page.locator(".trace-run").count()).toBe(2);
    const events = await readAll(server.url, path);
    const started = events.find((event) => event.type === "agent-request-started" && event.payload.inputOffset === offset)!;
    const firstChunk = events.find((event) => event.type === "agent-output-chunk-received" && event.payload.requestId === started.payload.requestId)!;
    expect(await run.locator(".span-ttft").innerText()).toBe(formatMs(Date.parse(firstChunk.createdAt) - Date.parse(started.createdAt)));
    expect(errors).toEqual([]);
  });
});
