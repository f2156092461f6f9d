import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startMockLlm, type MockLlm } from "@tributary/agent";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { startAgent } from "@tributary/agent";
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
        { match: { last: "hello-from-bash" }, text: "The shell printed hello-from-bash for you.", chunkDelayMs: 250 },
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
    await page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text', { hasText: "The shell printed hello-from-bash for you." }).waitFor();
    await page.locator('[data-kind="agent-run"]', { hasText: "Run answered" }).waitFor();
    await page.screenshot({ path: `${screenshotDir}/feed-real-agent.png` });

    // The feed is derived from the stream: every event it drew is there, in the raw view too.
    const events = await readAll(server.url, path);
    expect(events.filter((event) => event.type === "agent-output-chunk-received").length).toBeGreaterThan(3);
    await page.click("text=Events (YAML)");
    await page.locator(`.event-row[data-offset="${events.at(-1)!.offset}"]`).waitFor();
    expect(errors).toEqual([]);
  });
});
