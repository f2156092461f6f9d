import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinEventTypes } from "@tributary/protocol";
import { renderEventTypeDocs } from "../src/docs/event-type-docs.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe("documentation", () => {
  it("serves an OpenAPI 3.1 document with the append, read and delete operations", async () => {
    const doc = await (await fetch(`${server.url}/api/openapi.json`)).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths["/api/streams/{path}"])).toEqual(["post", "get", "delete"]);
    expect(doc.components.schemas.EventInput.required).toEqual(["type"]);
  });

  it("serves a self-contained HTML docs page that works offline", async () => {
    const response = await fetch(`${server.url}/api/docs`);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("/api/streams/{path}");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it("serves a page for every built-in event type with its payload schema and example", async () => {
    for (const type of builtinEventTypes.keys()) {
      const page = await fetch(`${server.url}/api/docs/events/${type}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(type);
      const json = await (await fetch(`${server.url}/api/docs/events/${type}?format=json`)).json();
      expect(json).toMatchObject({ type, example: { type } });
      expect(json.payloadSchema.type).toBe("object");
    }
    const unknown = await fetch(`${server.url}/api/docs/events/not/a-type`);
    expect(unknown.status).toBe(404);
  });

  it("keeps docs/event-types in step with the schemas (run `npm run docs:events` after changing them)", () => {
    for (const [file, content] of renderEventTypeDocs()) {
      const onDisk = readFileSync(new URL(`../../../docs/event-types/${file}`, import.meta.url), "utf8");
      expect(onDisk, `docs/event-types/${file} is stale: run npm run docs:events`).toBe(content);
    }
  });
});
