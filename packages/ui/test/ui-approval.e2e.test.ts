import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startAgent, startMockLlm, type MockLlm } from "@tributary/agent";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { launchBrowser, openUi, readAll, screenshotDir } from "./support/browser.ts";

let server: TestServer;
let llm: MockLlm;
let browser: Browser;
let agent: Awaited<ReturnType<typeof startAgent>>;
let cwd: string;
const path = "/ui/approvals";

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "tributary-ui-approval-"));
  [server, browser, llm] = await Promise.all([
    startTestServer(),
    launchBrowser(),
    startMockLlm({
      script: [
        { match: "touch", toolCalls: [{ name: "shell", arguments: { command: "touch approved-file" } }] },
        { match: { last: "exit code 0" }, text: "Made approved-file." },
        { match: "delete", toolCalls: [{ name: "shell", arguments: { command: "rm -rf ." } }] },
        { match: { last: "denied" }, text: "Understood, I will not delete anything." },
      ],
    }),
  ]);
  agent = await startAgent({
    baseUrl: server.url,
    path,
    cwd,
    agent: { model: "mock-model", baseUrl: llm.baseUrl, api: "chat", apiKey: "sk-test", maxRetries: 0, contextWindowMs: 20, toolPolicies: { shell: "ask" } },
  });
});
afterAll(async () => {
  await agent?.stop();
  await browser?.close();
  await llm?.close();
  await server?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe("approving tool calls in the UI", () => {
  it("shows Approve and Deny on a call that waits; Approve runs it, Deny with a reason tells the model", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.fill(".composer-message", "touch a file");
    await page.press(".composer-message", "Enter");
    const first = page.locator('[data-kind="agent-tool"]').first();
    await first.locator(".tool-status", { hasText: "waits for approval" }).waitFor();
    expect(await first.locator(".tool-args").innerText()).toContain("touch approved-file");
    expect(existsSync(join(cwd, "approved-file"))).toBe(false);
    await page.screenshot({ path: `${screenshotDir}/approval-waiting.png` });
    await first.locator(".approve-button").click();
    await first.locator(".tool-status", { hasText: "done" }).waitFor();
    expect(await first.locator(".tool-answer").innerText()).toBe("approved by ui");
    await page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text', { hasText: "Made approved-file." }).waitFor();
    expect(existsSync(join(cwd, "approved-file"))).toBe(true);

    await page.fill(".composer-message", "delete everything");
    await page.press(".composer-message", "Enter");
    const second = page.locator('[data-kind="agent-tool"]').nth(1);
    await second.locator(".tool-status", { hasText: "waits for approval" }).waitFor();
    await second.locator(".approval-reason").fill("never delete the workspace");
    await second.locator(".deny-button").click();
    await second.locator(".tool-status", { hasText: "denied" }).waitFor();
    expect(await second.locator(".tool-answer").innerText()).toBe("denied by ui: never delete the workspace");
    await page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text', { hasText: "Understood, I will not delete anything." }).waitFor();
    await page.screenshot({ path: `${screenshotDir}/approval-denied.png` });

    const events = await readAll(server.url, path);
    expect(events.filter((e) => e.type === "agent-tool-call-approved").map((e) => e.payload.by)).toEqual(["ui"]);
    expect(events.find((e) => e.type === "agent-tool-call-denied")!.payload).toMatchObject({ reason: "never delete the workspace", by: "ui" });
    expect(JSON.stringify(llm.requests.at(-1)!.body)).toContain("denied and did not run: never delete the workspace");
    expect(existsSync(join(cwd, "approved-file"))).toBe(true);
    expect(errors).toEqual([]);
  });
});
