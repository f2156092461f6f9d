import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinEventTypes } from "@tributary/protocol";
import { renderEventTypeDocs } from "../src/docs/event-type-docs.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    eventTypes: [
      {
        type: "note-taken",
        group: "notes",
        title: "Note taken",
        description: "A note with `code` in its description.",
        appendedBy: "you",
        payload: z.object({ text: z.string().describe("The note.") }),
        example: { text: "hi" },
      },
    ],
  });
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

  it("documents registered event types beside the built-ins, with their schema and group", async () => {
    const page = await fetch(`${server.url}/api/docs/events/note-taken`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // Markdown in descriptions is rendered: backticks become code.
    expect(html).toContain("A note with <code>code</code> in its description.");
    expect(html).toContain("Appended by you");
    const json = await (await fetch(`${server.url}/api/docs/events/note-taken?format=json`)).json();
    expect(json).toMatchObject({ type: "note-taken", group: "notes", payloadSchema: { properties: { text: { type: "string" } } } });
    const list = await (await fetch(`${server.url}/api/docs/events?format=json`)).json();
    expect(list.types.map((doc: { type: string }) => doc.type)).toContain("note-taken");
    expect(list.types.find((doc: { type: string }) => doc.type === "stream/paused").group).toBe("builtin");
    const index = await (await fetch(`${server.url}/api/docs/events`)).text();
    expect(index).toContain("Notes event types");
  });

  it("styles the docs pages from a stylesheet with a dark scheme, and answers /favicon.ico", async () => {
    const html = await (await fetch(`${server.url}/api/docs/events/stream/paused`)).text();
    expect(html).not.toMatch(/<style|style="/);
    expect(html).toContain('<link rel="stylesheet" href="/api/docs/style.css">');
    const css = await fetch(`${server.url}/api/docs/style.css`);
    expect(css.headers.get("content-type")).toContain("text/css");
    expect(await css.text()).toContain("prefers-color-scheme:dark");
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
  });
});
