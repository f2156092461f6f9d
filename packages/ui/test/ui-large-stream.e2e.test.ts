import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { EventInput } from "@tributary/protocol";
import { startTestServer, type TestServer } from "@tributary/server/testing";
import { fileURLToPath } from "node:url";
import { append, launchBrowser, openUi, screenshotDir } from "./support/browser.ts";

/** Screenshots for docs/ui.md: written by this test into the repository's docs/images. */
const docsImages = fileURLToPath(new URL("../../../docs/images/", import.meta.url));

let server: TestServer;
let browser: Browser;
const path = "/load/sensors";
const total = 100_000;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  // The default breaker (100 events a second) would pause the stream during the fill.
  await append(server.url, path, [{ type: "circuit-breaker/configured", payload: { maxEvents: 1_000_000, windowSeconds: 1 } }]);
  for (let start = 0; start < total; start += 2000) {
    const batch: EventInput[] = [];
    for (let i = start; i < start + 2000; i++)
      batch.push({ type: i % 10 === 0 ? "tick-logged" : "tock-logged", payload: { i, note: `sensor reading ${i + 2}` } });
    await append(server.url, path, batch);
  }
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const lastOffset = total + 1;
const rowCount = (page: Page) => page.locator(".vlist-row").count();
const loadedOffsets = (page: Page) => page.locator(".event-row").evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.offset)));

describe("a stream of 100,000 events", () => {
  it("opens at its tail and pages backwards on scroll while rendering only the rows in view", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.click("text=Events (YAML)");
    await page.locator(`.event-row[data-offset="${lastOffset}"]`).waitFor();
    expect(await page.locator(".event-count").innerText()).toContain(`${lastOffset.toLocaleString("en-US")} events`);
    expect(await rowCount(page)).toBeLessThan(100);

    // Scroll to the top again and again: each time an older page is loaded in front. Like a user, keep scrolling up
    // until older rows show: a scroll that arrives while the previous page is still loading sees the rows it already
    // had, and when that page lands the view stays on the row the user was reading, with the new rows above it.
    let oldest = Math.min(...(await loadedOffsets(page)));
    for (let step = 0; step < 4; step++) {
      await page.waitForFunction(
        (before) => {
          document.querySelector(".event-list")!.scrollTop = 0;
          return [...document.querySelectorAll<HTMLElement>(".event-row")].some((row) => Number(row.dataset.offset) < before - 100);
        },
        oldest,
        { polling: 200 },
      );
      oldest = Math.min(...(await loadedOffsets(page)));
      expect(await rowCount(page)).toBeLessThan(100);
    }
    expect(oldest).toBeLessThan(lastOffset - 1500);
    // Scrolling back to the end shows the tail again: the rows in between were never all in the DOM.
    await page.locator(".event-list").evaluate((list) => (list.scrollTop = list.scrollHeight));
    await page.locator(`.event-row[data-offset="${lastOffset}"]`).waitFor();
    expect(await rowCount(page)).toBeLessThan(100);

    // Live events still arrive at the bottom while the user is there.
    await append(server.url, path, [{ type: "hello-world", payload: { after: "the fill" } }]);
    await page.locator(`.event-row[data-offset="${lastOffset + 1}"]`).waitFor();

    await page.click("text=Feed");
    await page.locator('.feed-list [data-kind="raw"]').first().waitFor();
    expect(await rowCount(page)).toBeLessThan(100);
    await page.screenshot({ path: `${screenshotDir}/large-stream.png` });
    expect(errors).toEqual([]);
  });

  it("finds an event anywhere with a server-side search and opens its permalink with the event highlighted", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#${path}`);
    await page.click("text=Events (YAML)");
    await page.locator(`.event-row[data-offset="${lastOffset}"]`).waitFor();
    await page.fill(".search-input", "sensor reading 50000");
    await page.press(".search-input", "Enter");
    const result = page.locator('.search-result[data-offset="50000"]');
    await result.waitFor();
    expect(await page.locator(".search-result").count()).toBe(1);
    await page.locator(".search-status", { hasText: "1 match in" }).waitFor();
    await page.screenshot({ path: `${docsImages}ui-search.png` });

    await result.locator("a").click();
    await page.waitForURL((url) => url.hash === `#${path}@50000`);
    const highlighted = page.locator(".event-row.highlight");
    await highlighted.waitFor();
    expect(await highlighted.getAttribute("data-offset")).toBe("50000");
    expect(await highlighted.isVisible()).toBe(true);
    // The window around the event is loaded, not the tail; scrolling down loads newer pages.
    expect(await page.locator(`.event-row[data-offset="${lastOffset}"]`).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("opens /#/load/sensors@50000 with event 50,000 highlighted in the YAML and the feed, and its offset is the permalink", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#${path}@50000`);
    await page.click("text=Events (YAML)");
    const row = page.locator('.event-row.highlight[data-offset="50000"]');
    await row.waitFor();
    expect(await row.locator("pre.yaml").innerText()).toContain("sensor reading 50000");
    expect(await row.locator("a.offset").getAttribute("href")).toBe(`#${path}@50000`);
    await page.screenshot({ path: `${docsImages}ui-permalink.png` });

    await page.click("text=Feed");
    const item = page.locator('.feed-row.highlight[data-first="50000"]');
    await item.waitFor();
    expect(await item.isVisible()).toBe(true);
    expect(await item.locator("a.offset").getAttribute("href")).toBe(`#${path}@50000`);

    // Go to an offset by typing it.
    await page.fill(".goto-input", "70000");
    await page.press(".goto-input", "Enter");
    await page.waitForURL((url) => url.hash === `#${path}@70000`);
    await page.locator('.feed-row.highlight[data-first="70000"]').waitFor();
    expect(errors).toEqual([]);
  });
});
