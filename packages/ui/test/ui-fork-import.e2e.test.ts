import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { readSession, transcriptEvents } from "@tributary/agent";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { append, launchBrowser, openUi, readAll } from "./support/browser.ts";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const fixture = (name: string) => readFileSync(new URL(`../../agent/test/fixtures/${name}`, import.meta.url), "utf8");

describe("forks, usage and imported sessions in the UI", () => {
  it("forks from any event with 'fork from here', opens the fork, and shows where it came from", async () => {
    await append(server.url, "/ui-fork/source", [
      { type: "note", payload: { n: 1 } },
      { type: "note", payload: { n: 2 } },
      { type: "note", payload: { n: 3 } },
    ]);
    const { page, errors } = await openUi(browser, `${server.url}/#/ui-fork/source`);
    await page.locator('[role="tab"]', { hasText: "Events (YAML)" }).click();
    const second = page.locator('.event-row[data-offset="2"]');
    await second.waitFor();
    page.once("dialog", (dialog) => {
      expect(dialog.type()).toBe("prompt");
      expect(dialog.defaultValue()).toBe("/ui-fork/source-fork-2");
      void dialog.accept("/ui-fork/retry");
    });
    await second.locator(".fork-here").click();
    await page.waitForURL(/#\/ui-fork\/retry$/);
    await page.locator(".fork-origin a", { hasText: "/ui-fork/source @ #2" }).waitFor();
    expect(await page.locator(".fork-origin a").getAttribute("href")).toBe("#/ui-fork/source@2");
    const copied = await readAll(server.url, "/ui-fork/retry");
    expect(copied.map((event) => [event.offset, event.type])).toEqual([
      [1, "note"],
      [2, "note"],
      [3, "stream/forked"],
    ]);
    await page.locator('.event-row[data-offset="3"][data-type="stream/forked"]').waitFor();
    await page.locator('[role="tab"]', { hasText: "Feed" }).click();
    await page.locator('[data-kind="notice"]', { hasText: "Forked from offset 2 of" }).waitFor();
    expect(errors).toEqual([]);
  });

  it("renders an imported Claude Code session as a conversation, with each run's usage and the stream's totals", async () => {
    const events = transcriptEvents(readSession(fixture("claude-code-session.jsonl")), { file: "session.jsonl" });
    await append(server.url, "/ui-import/claude", events);
    const { page, errors } = await openUi(browser, `${server.url}/#/ui-import/claude`);
    await page.locator('[role="tab"]', { hasText: "Feed" }).click();
    await page.locator('[data-kind="agent-run"]', { hasText: "Imported from a Claude Code session" }).waitFor();
    await page.locator('[data-kind="agent-input"] .bubble', { hasText: "How many files are in src?" }).waitFor();
    await page.locator('[data-kind="agent-tool"] .tool-result', { hasText: "12" }).waitFor();
    await page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text', { hasText: "There are 12 files in src." }).waitFor();
    await page.locator('[data-kind="agent-input"] .bubble', { hasText: "Which one is the largest?" }).waitFor();
    await page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text', { hasText: "main.ts, at 4 KB." }).waitFor();
    // Each run's line carries its usage; the header, the stream's totals (an agent's run-ended has them).
    await page.locator('[data-kind="agent-run"]', { hasText: "2 requests · 20,514 in (19,200 cached) → 70 out" }).waitFor();
    await append(server.url, "/ui-import/claude", [
      {
        type: "agent-run-ended",
        payload: {
          inputOffset: 10,
          outcome: "answered",
          text: "x",
          turns: 0,
          streamUsage: { requests: 3, inputTokens: 32_028, outputTokens: 79, cachedInputTokens: 29_600, reasoningTokens: 0, cost: 0.0123, currency: "USD" },
        },
      },
    ]);
    await page.locator(".stream-usage", { hasText: "3 requests · 32,028 in (29,600 cached) → 79 out · USD 0.0123" }).waitFor();
    expect(errors).toEqual([]);
  });
});
