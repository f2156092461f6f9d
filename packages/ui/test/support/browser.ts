import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import type { EventInput, StoredEvent } from "@tributary/protocol";

const chromiumPath = process.env.TRIBUTARY_CHROMIUM ?? "/usr/bin/chromium";

/** Debian's headless Chromium, driven by playwright-core (no browser download). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No Chromium at ${chromiumPath}: install it (apt-get install -y chromium; .ci/run does) or set TRIBUTARY_CHROMIUM.`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * Opens the UI in a fresh page (its own localStorage) and records the page's errors (uncaught exceptions,
 * console errors), so a test can assert that nothing threw.
 */
export async function openUi(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: "en-US" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // A refused append is an HTTP error the browser logs; that is the UI working, not failing.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) errors.push(message.text());
  });
  await page.goto(url);
  return { page, errors };
}

/** Appends events over HTTP (one request, a batch when there are several) and returns them as stored. */
export async function append(baseUrl: string, path: string, events: EventInput[], project?: string): Promise<StoredEvent[]> {
  const response = await fetch(`${baseUrl}/api/streams${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(project ? { "x-tributary-project": project } : {}) },
    body: JSON.stringify(events.length === 1 ? events[0] : { events }),
  });
  if (!response.ok) throw new Error(`append to ${path}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as StoredEvent | { events: StoredEvent[] };
  return "events" in body ? body.events : [body];
}

/** Reads a whole (small) stream. */
export async function readAll(baseUrl: string, path: string, project?: string): Promise<StoredEvent[]> {
  const response = await fetch(`${baseUrl}/api/streams${path}?format=json&limit=10000${project ? `&project=${project}` : ""}`);
  return ((await response.json()) as { events: StoredEvent[] }).events;
}

/** Where the tests save screenshots (looked at by hand; not compared). */
export const screenshotDir = process.env.TRIBUTARY_SCREENSHOTS ?? "/tmp/tributary-ui-screenshots";
