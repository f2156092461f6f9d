import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { agentEventTypes } from "@tributary/agent";
import { spawnServer } from "../../server/test/support/server-process.ts";
import { agentConversation } from "./support/agent-conversation.ts";
import { append, launchBrowser, openUi } from "./support/browser.ts";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** Screenshots for docs/ui.md: written by this test into the repository's docs/images. */
const docsImages = fileURLToPath(new URL("../../../docs/images/", import.meta.url));

let browser: Browser;
let dataDir: string;
let server: { url: string; child: ChildProcess };

async function stopServer(): Promise<void> {
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await exited;
}

/** Serious and critical accessibility violations axe-core finds on the page as it is. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the UI's content security policy (rightly) refuses an injected <script>.
  await page.evaluate(readFileSync(axePath, "utf8"));
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }
    ).axe.run(document);
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      targets: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")),
    }));
  });
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id}: ${violation.targets.join(", ")}`);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "tributary-ui-resilience-"));
  [server, browser] = await Promise.all([spawnServer(dataDir), launchBrowser()]);
  await append(server.url, "/demo/agent", [
    { type: "circuit-breaker/configured", payload: { maxEvents: 10_000, windowSeconds: 1 } },
    ...agentConversation.slice(0, -2),
    {
      type: "agent-output-completed",
      payload: {
        requestId: "3.2",
        text: "There are **two** files:\n\n- `README.md`\n- `package.json`\n\n<script>window.pwned = true</script>",
        toolCalls: [],
        finishReason: "stop",
        usage: { inputTokens: 120, outputTokens: 12 },
      },
    },
    agentConversation.at(-1)!,
  ]);
  await append(server.url, "/demo/agent/researcher", [{ type: "hello-world" }]);
});
afterAll(async () => {
  await browser?.close();
  if (server?.child.exitCode === null) await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the UI on a real tributary serve process", () => {
  it("renders a reply's markdown and keeps an event's <script> as text", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/demo/agent`);
    const reply = page.locator('[data-kind="agent-reply"][data-status="done"] .bubble-text');
    await reply.waitFor();
    expect(await reply.locator("strong").innerText()).toBe("two");
    expect(await reply.locator("li code").allInnerTexts()).toEqual(["README.md", "package.json"]);
    expect(await reply.innerText()).toContain("<script>window.pwned = true</script>");
    expect(await reply.locator("script").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).toBeUndefined();
    await page.locator('.tree-row[data-path="/demo/agent"] .tree-badge.agent').waitFor();
    await page.screenshot({ path: `${docsImages}ui-feed.png` });
    expect(errors).toEqual([]);
  });

  it("has no serious accessibility violations on the main views (axe-core), with a skip link and tab panels", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/demo/agent`);
    await page.locator('[data-kind="agent-reply"]').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    for (const tab of ["Events (YAML)", "Trace"]) {
      await page.locator('[role="tab"]', { hasText: tab }).click();
      expect(await page.locator(`[role="tab"][aria-selected="true"]`, { hasText: tab }).count()).toBe(1);
      expect(await page.locator('[role="tabpanel"]#stream-panel').getAttribute("aria-labelledby")).toMatch(/^tab-/);
      expect(await seriousViolations(page)).toEqual([]);
    }
    await page.screenshot({ path: `${docsImages}ui-trace.png` });
    await page.goto(`${server.url}/`);
    await page.locator(".welcome").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // The first Tab reaches the skip link, which moves the focus to the content.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip-link");
    expect(errors).toEqual([]);
  });

  it("moves the tree into a drawer at 400 px, where it is still reachable", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/demo/agent`);
    await page.setViewportSize({ width: 400, height: 800 });
    await page.locator('[data-kind="agent-reply"]').first().waitFor();
    expect(await page.locator(".tree").isVisible()).toBe(false);
    const toggle = page.locator(".drawer-toggle");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    const researcher = page.locator('.tree-row[data-path="/demo/agent/researcher"] a');
    await researcher.waitFor();
    await page.screenshot({ path: `${docsImages}ui-narrow-drawer.png` });
    await researcher.click();
    await page.waitForURL((url) => url.hash === "#/demo/agent/researcher");
    // Choosing a stream closes the drawer, in the render after the hash changed (a check made at once raced it).
    await page.locator(".tree").waitFor({ state: "hidden" });
    expect(await page.locator(".tree").isVisible()).toBe(false);
    // Nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("documents every agent event type, with the built-ins, at /api/docs/events", async () => {
    for (const type of agentEventTypes.keys()) {
      const page = await fetch(`${server.url}/api/docs/events/${type}`);
      expect(page.status, type).toBe(200);
      expect(await page.text()).toContain("Payload schema");
    }
    const { page, errors } = await openUi(browser, `${server.url}/#/demo/agent@4`);
    await page.click("text=Events (YAML)");
    const link = page.locator('.event-row[data-offset="4"] a.type-link');
    expect(await link.getAttribute("href")).toBe("/api/docs/events/agent-input-added");
    expect(errors).toEqual([]);
  });

  it("shows the state as a dashboard: the next firing counting down, webhook health, inline cancel", async () => {
    await append(server.url, "/demo/ops", [
      { type: "schedule/configured", payload: { slug: "hourly", event: { type: "tick" }, schedule: { kind: "every", seconds: 3600 } } },
      { type: "subscription/configured", payload: { slug: "hook", url: "http://127.0.0.1:1/hook", types: ["note"] } },
      { type: "note", payload: { text: "deliver me" } },
    ]);
    const { page, errors } = await openUi(browser, `${server.url}/#/demo/ops`);
    const schedule = page.locator('[data-builtin="scheduler"] .state-card', { hasText: "hourly" });
    await schedule.waitFor();
    expect(await schedule.locator(".countdown").innerText()).toMatch(/^in (59(\.\d)?|60) min$/);
    expect(await schedule.innerText()).toContain("every 60 min");
    const hook = page.locator('[data-builtin="subscriptions"] .state-card.error', { hasText: "hook" });
    await hook.waitFor();
    expect(await hook.innerText()).toContain("failing at #3");
    // The tree shows what the view learned: this stream's webhook is failing.
    await page.locator('.tree-row[data-path="/demo/ops"] .tree-badge.failing').waitFor();
    await page.screenshot({ path: `${docsImages}ui-state.png` });

    await schedule.locator("button", { hasText: "Cancel" }).click();
    await schedule.waitFor({ state: "detached" });
    await page.locator('[data-kind="schedule"]', { hasText: "cancelled" }).first().waitFor();
    expect(errors).toEqual([]);
  });

  it("says it is offline when the server stops, disables the composer, and recovers the open view when it returns", async () => {
    const { page } = await openUi(browser, `${server.url}/#/demo/agent`);
    await page.click("text=Events (YAML)");
    await page.locator(".live-dot.live").waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const port = new URL(server.url).port;

    await stopServer();
    await page.locator(".offline-banner").waitFor({ state: "visible" });
    expect(await page.locator(".composer-message").isDisabled()).toBe(true);
    await page.screenshot({ path: `${docsImages}ui-offline.png` });

    server = await spawnServer(dataDir, ["--port", port]);
    await page.locator(".offline-banner").waitFor({ state: "hidden" });
    expect(await page.locator(".composer-message").isDisabled()).toBe(false);
    const [stored] = await append(server.url, "/demo/agent", [{ type: "hello-world", payload: { after: "the restart" } }]);
    await page.locator(`.event-row[data-offset="${stored!.offset}"]`).waitFor();
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });
});
