import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer, waitFor, type TestServer } from "@tributary/server/testing";
import { append, launchBrowser, openUi, readAll, screenshotDir } from "./support/browser.ts";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the composer", () => {
  it("offers a preset for every built-in type and the agent input, and appends the chosen one", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/composer/presets`);
    await page.click('.composer [role="tab"]:has-text("Event")');
    const docs = (await (await fetch(`${server.url}/api/docs/events?format=json`)).json()) as { types: { type: string; preset: unknown }[] };
    const labels = await page.locator(".preset-select option").allInnerTexts();
    expect(labels).toContain("agent-input-added");
    for (const { type } of docs.types) expect(labels).toContain(type);

    await page.selectOption(".preset-select", { label: "schedule/configured" });
    const template = JSON.parse(await page.inputValue(".composer-editor")) as { type: string; payload: { slug: string } };
    expect(template).toEqual(docs.types.find((doc) => doc.type === "schedule/configured")?.preset);
    expect(await page.locator(".preset-docs a").getAttribute("href")).toBe("/api/docs/events/schedule/configured");
    await page.click("text=Append event");
    await page.locator(".composer-result.ok", { hasText: "Appended #1" }).waitFor();
    await page.locator('[data-kind="schedule"]').waitFor();
    expect(await page.locator('[data-kind="schedule"]').innerText()).toContain(template.payload.slug);
    // Cancel it again, edited by hand, so the test leaves no timer behind.
    await page.fill(".composer-editor", JSON.stringify({ type: "schedule/cancelled", payload: { slug: template.payload.slug } }));
    await page.click("text=Append event");
    await page.locator(".composer-result.ok", { hasText: "Appended #" }).waitFor();

    await page.click('.composer [role="tab"]:has-text("Message")');
    await page.fill(".composer-message", "Hello from the browser");
    await page.press(".composer-message", "Enter");
    await page.locator('[data-kind="agent-input"] .bubble', { hasText: "Hello from the browser" }).waitFor();

    const types = (await readAll(server.url, "/composer/presets")).map((event) => [event.type, event.payload]);
    expect(types.slice(0, 2).map(([type]) => type)).toEqual(["schedule/configured", "schedule/cancelled"]);
    expect(types).toContainEqual(["agent-input-added", { content: "Hello from the browser" }]);
    expect(errors).toEqual([]);
  });

  it("deploys a processor written in the composer's code box", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/composer/code`);
    await page.click('.composer [role="tab"]:has-text("Event")');
    await page.selectOption(".preset-select", { label: "processor/deployed" });
    expect(JSON.parse(await page.inputValue(".composer-editor"))).toEqual({ type: "processor/deployed", payload: { slug: "ping-pong" } });
    expect(await page.locator(".code-label").innerText()).toBe("payload.script");
    const script = "export default {\n  slug: 'ping-pong',\n  initialState: {},\n  reduce: ({ state }) => state,\n};\n";
    await page.fill(".composer-code", script);
    await page.press(".composer-code", "Control+Enter");
    await page.locator('[data-kind="processor"]', { hasText: "ping-pong" }).waitFor();
    expect(await page.locator('[data-kind="processor"] pre.code').innerText()).toContain("reduce: ({ state }) => state,");
    const [deployed] = await readAll(server.url, "/composer/code");
    expect(deployed).toMatchObject({ type: "processor/deployed", payload: { slug: "ping-pong", script } });
    expect(errors).toEqual([]);
  });

  it(
    "deploys the runnable ping-pong preset as it stands: its card shows it running, and a ping appended in the composer gets a pong",
    { timeout: 120_000 },
    async () => {
      const { page, errors } = await openUi(browser, `${server.url}/#/composer/runnable`);
      await page.click('.composer [role="tab"]:has-text("Event")');
      await page.selectOption(".preset-select", { label: "processor/deployed" });
      await page.click("text=Append event");
      await page.locator(".composer-result.ok", { hasText: "Appended #1" }).waitFor();
      const status = page.locator('[data-kind="processor"] .processor-status');
      // The sandbox process starts on first use: slow on a loaded machine.
      await page.locator('[data-kind="processor"] .processor-status[data-status="running"]').waitFor({ timeout: 90_000 });
      expect(await status.innerText()).toMatch(/Running since #\d+/);

      await page.fill(".composer-editor", JSON.stringify({ type: "ping" }));
      await page.click("text=Append event");
      const events = await waitFor(
        async () => {
          const all = await readAll(server.url, "/composer/runnable");
          return all.some((event) => event.type === "pong") && all;
        },
        "the pong",
        90_000,
      );
      const ping = events.find((event) => event.type === "ping")!;
      expect(events.find((event) => event.type === "pong")?.payload).toEqual({ to: ping.offset });
      await page.locator('[data-kind="raw"]', { hasText: "pong" }).waitFor();
      expect(errors).toEqual([]);
    },
  );

  it("shows on a deployment's card that it failed on an event, and that it was suspended when it could not load", { timeout: 120_000 }, async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/composer/failing`);
    await append(server.url, "/composer/failing", [
      {
        type: "processor/deployed",
        payload: {
          slug: "fragile",
          script:
            "export default { slug: 'fragile', initialState: null, afterAppend: ({ event }) => { if (event.type === 'boom') throw new Error('cannot handle boom'); } };",
        },
      },
    ]);
    const card = page.locator('[data-kind="processor"]', { hasText: "fragile" });
    await card.locator('.processor-status[data-status="running"]').waitFor({ timeout: 90_000 });
    await append(server.url, "/composer/failing", [{ type: "boom" }]);
    await card.locator(".processor-error", { hasText: "cannot handle boom" }).waitFor({ timeout: 90_000 });
    expect(await card.locator(".processor-error").innerText()).toMatch(/Failed on #\d+/);

    await append(server.url, "/composer/failing", [
      { type: "processor/deployed", payload: { slug: "broken", script: "export default (() => { throw new Error('no config'); })();" } },
    ]);
    const broken = page.locator('[data-kind="processor"]', { hasText: "broken" });
    await broken.locator('.processor-status[data-status="suspended"]').waitFor({ timeout: 90_000 });
    expect(await broken.locator(".processor-status").innerText()).toMatch(/Suspended.*could not be loaded.*no config/s);
    expect(errors).toEqual([]);
  });

  it("shows why an append was refused when the event is not valid", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/composer/refused`);
    await page.click('.composer [role="tab"]:has-text("Event")');
    await page.fill(".composer-editor", '{"type": "stream/paused", "payload": {}}');
    await page.click("text=Append event");
    await page.locator(".composer-result.error .error-code", { hasText: "invalid_event" }).waitFor();
    expect(await page.locator(".composer-result").innerText()).toContain("reason");
    await page.fill(".composer-editor", "{ not json");
    await page.click("text=Append event");
    await page.locator(".composer-result.error", { hasText: "not valid JSON" }).waitFor();
    expect(await readAll(server.url, "/composer/refused")).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("pauses and resumes the stream with its buttons, and shows the reason an append is refused", async () => {
    const { page, errors } = await openUi(browser, `${server.url}/#/composer/pause`);
    await append(server.url, "/composer/pause", [{ type: "hello-world" }]);
    await page.locator('.feed-raw, [data-kind="raw"]').first().waitFor();

    await page.click(".pause-button");
    await page.fill(".pause-reason", "maintenance window");
    await page.click("text=Pause stream");
    await page.locator(".pause-banner", { hasText: "maintenance window" }).waitFor();
    await page.locator(".pause-button", { hasText: "Resume" }).waitFor();
    await page.locator('[data-kind="notice"]', { hasText: "Stream paused" }).waitFor();

    await page.fill(".composer-message", "are you there?");
    await page.press(".composer-message", "Enter");
    const refusal = page.locator(".composer-result.error");
    await refusal.waitFor();
    expect(await refusal.locator(".error-code").innerText()).toBe("stream_paused");
    expect(await refusal.innerText()).toContain("maintenance window");
    await page.screenshot({ path: `${screenshotDir}/paused.png` });

    await page.click(".pause-button");
    await page.locator(".pause-button", { hasText: "Pause" }).waitFor();
    await page.locator(".pause-banner").waitFor({ state: "hidden" });
    await page.press(".composer-message", "Enter");
    await page.locator(".composer-result.ok", { hasText: "Appended #4" }).waitFor();

    const events = await readAll(server.url, "/composer/pause");
    expect(events.map((event) => event.type)).toEqual(["hello-world", "stream/paused", "stream/resumed", "agent-input-added"]);
    expect(events[1]?.payload).toEqual({ reason: "maintenance window" });
    expect(errors).toEqual([]);
  });
});
