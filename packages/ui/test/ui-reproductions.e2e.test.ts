import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, waitFor, type TestServer } from "@tributary/server/testing";
import { append, launchBrowser, openUi, readAll } from "./support/browser.ts";

// Issue 14's reproductions that no other browser test covers, each tried as a user would in headless
// Chromium against a real server: the favicon, a failing webhook's retries, the Tab order, `..` in the
// address, and the state panel at 400 px.

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("issue 14's reproductions in a real browser", () => {
  it("has a favicon: the page links one, and /favicon.ico answers with an image", async () => {
    const { page, errors } = await openUi(browser, server.url);
    await page.locator(".welcome").waitFor();
    const href = await page.locator('link[rel="icon"]').getAttribute("href");
    expect(href).toBeTruthy();
    const icon = await page.request.get(`${server.url}/favicon.ico`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toMatch(/^image\//);
    expect(errors).toEqual([]);
  });

  it("groups a failing webhook's retries into one feed item with their count", async () => {
    const path = "/repro/hook";
    await append(server.url, path, [{ type: "subscription/configured", payload: { slug: "down", url: "http://127.0.0.1:9/hook" } }, { type: "note" }]);
    const failures = await waitFor(
      async () => {
        const found = (await readAll(server.url, path)).filter(
          (event) => event.type === "subscription/delivery-failed" || event.type === "stream/error-occurred",
        );
        return found.length >= 3 ? found : undefined;
      },
      "three failed deliveries",
      30_000,
    );
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.locator('[data-kind="error"]').first().waitFor();
    const shown = (await readAll(server.url, path)).filter((event) => event.type === failures[0]!.type).length;
    expect(await page.locator('[data-kind="error"]').count()).toBe(1);
    expect(await page.locator('[data-kind="error"] .feed-count').innerText()).toMatch(new RegExp(`^×(${shown}|${shown + 1}|${shown + 2})$`));
    expect(errors).toEqual([]);
  });

  it("moves the focus with Tab in the order things are shown: skip link, tree, stream header, feed, composer", async () => {
    const path = "/repro/tabs";
    await append(server.url, path, [{ type: "note", payload: { n: 1 } }]);
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.locator(".feed-row").first().waitFor();
    const regions: string[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press("Tab");
      const region = await page.evaluate(() => {
        const active = document.activeElement as HTMLElement | null;
        if (!active || active === document.body) return "body";
        const rect = active.getBoundingClientRect();
        const visible = rect.width > 0 && rect.height > 0 && getComputedStyle(active).visibility !== "hidden";
        const where = active.classList.contains("skip-link")
          ? "skip"
          : active.closest(".tree")
            ? "tree"
            : active.closest(".stream-header")
              ? "header"
              : active.closest(".list-frame")
                ? "list"
                : active.closest(".composer")
                  ? "composer"
                  : active.closest(".state-panel")
                    ? "state"
                    : (active.closest("[class]")?.className ?? active.tagName);
        return visible ? where : `hidden:${where}`;
      });
      if (regions.at(-1) !== region) regions.push(region);
      if (region === "state" || region === "body") break;
    }
    expect(regions.filter((region) => region.startsWith("hidden:"))).toEqual([]);
    const order = ["skip", "tree", "header", "list", "composer"];
    const seen = regions.filter((region) => order.includes(region));
    expect(seen).toEqual(order.filter((region) => seen.includes(region)));
    expect(new Set(seen)).toEqual(new Set(order));
    expect(errors).toEqual([]);
  });

  it("refuses `..` in the address: it reads and writes no stream, and says why", async () => {
    await append(server.url, "/repro/b", [{ type: "note", payload: { secret: "of b" } }]);
    const { page, errors } = await openUi(browser, server.url);
    await page.locator(".welcome").waitFor();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(new URL(request.url()).pathname));
    await page.evaluate(() => (location.hash = "#/repro/a/../b"));
    await page.locator(".error-message", { hasText: "'..'" }).waitFor();
    expect(await page.locator("body").innerText()).not.toContain("of b");
    expect(requested.filter((url) => url.startsWith("/api/streams/repro") || url.startsWith("/api/state/repro"))).toEqual([]);
    expect(await page.locator(".composer-message").count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("at 400 px opens the state panel as a drawer and closes it again, and nothing is wider than the screen", async () => {
    const path = "/repro/narrow";
    await append(server.url, path, [{ type: "stream/paused", payload: { reason: "a long reason that should wrap instead of widening the page at all" } }]);
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.setViewportSize({ width: 400, height: 800 });
    await page.locator(".feed-row").first().waitFor();
    expect(await page.locator(".state-panel").isVisible()).toBe(false);
    await page.locator(".state-toggle").click();
    await page.locator('.state-panel [data-builtin="pause"]').waitFor();
    expect(await page.locator(".state-panel").isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    // The drawer covers the header, its toggle included: it has its own Close, and Escape closes it.
    await page.locator(".state-close").click();
    expect(await page.locator(".state-panel").isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("state-toggle");
    await page.locator(".state-toggle").click();
    await page.locator(".state-panel").waitFor();
    await page.keyboard.press("Escape");
    expect(await page.locator(".state-panel").isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });
});
