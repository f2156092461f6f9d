import { Hono } from "hono";
import { builtinEventTypes, TributaryError } from "@tributary/protocol";
import type { AppEnv } from "../context.ts";
import { allEventTypeDocs, eventTypeDoc } from "../docs/event-type-docs.ts";
import { escapeHtml, htmlPage } from "../docs/html.ts";
import { buildOpenApi } from "../docs/openapi.ts";

/** OpenAPI, the human API docs and one page per built-in event type; all generated from the schemas. */
export const docsRoutes = new Hono<AppEnv>();

const openapi = buildOpenApi();

docsRoutes.get("/api/openapi.json", (c) => c.json(openapi));

docsRoutes.get("/api/docs", (c) => {
  const paths = openapi.paths as Record<string, Record<string, { summary?: string; description?: string; parameters?: { name: string; in: string; description?: string }[] }>>;
  const sections = Object.entries(paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const params = (operation.parameters ?? [])
          .map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${escapeHtml(p.description ?? "")}</td></tr>`)
          .join("");
        return `<h2><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p><strong>${escapeHtml(operation.summary ?? "")}</strong></p>${operation.description ? `<p>${escapeHtml(operation.description)}</p>` : ""}
${params ? `<table><tr><th>parameter</th><th>in</th><th>meaning</th></tr>${params}</table>` : ""}`;
      }),
    )
    .join("\n");
  return c.html(
    htmlPage(
      "HTTP API",
      `<h1>Tributary HTTP API</h1>
<p>Streams are addressed by paths. Try:</p>
<pre>curl --json '{"type":"hello-world"}' ${escapeHtml(new URL(c.req.url).origin)}/api/streams/me/hello-world
curl -N ${escapeHtml(new URL(c.req.url).origin)}/api/streams/me/hello-world?live=true</pre>
<p>Errors are JSON: <code>{"code", "message", "status"}</code>, with a stable <code>code</code>.</p>
${sections}`,
    ),
  );
});

docsRoutes.get("/api/docs/events", (c) => {
  if (wantsJson(c.req.query("format"), c.req.header("accept"))) return c.json({ types: allEventTypeDocs() });
  const rows = [...builtinEventTypes.values()]
    .map((t) => `<tr><td><a href="/api/docs/events/${t.type}"><code>${t.type}</code></a></td><td>${escapeHtml(t.title)}</td><td>${t.appendedBy}</td></tr>`)
    .join("");
  return c.html(htmlPage("Event types", `<h1>Built-in event types</h1><table><tr><th>type</th><th>what</th><th>appended by</th></tr>${rows}</table>`));
});

docsRoutes.get("/api/docs/events/*", (c) => {
  const type = decodeURIComponent(new URL(c.req.url).pathname.slice("/api/docs/events/".length));
  const builtin = builtinEventTypes.get(type);
  if (!builtin) throw new TributaryError("not_found", `${type} is not a built-in event type. See /api/docs/events for the list.`);
  const doc = eventTypeDoc(builtin);
  if (wantsJson(c.req.query("format"), c.req.header("accept"))) return c.json(doc);
  return c.html(
    htmlPage(
      doc.type,
      `<h1><code>${escapeHtml(doc.type)}</code></h1><p><strong>${escapeHtml(doc.title)}</strong></p><p>${escapeHtml(doc.description)}</p>
<p>Appended by: ${doc.appendedBy === "server" ? "the server only" : "anyone"}.</p>
<h2>Payload schema</h2><pre>${escapeHtml(JSON.stringify(doc.payloadSchema, null, 2))}</pre>
<h2>Example</h2><pre>${escapeHtml(JSON.stringify(doc.example, null, 2))}</pre>
<pre>curl --json '${escapeHtml(JSON.stringify(doc.example))}' ${escapeHtml(new URL(c.req.url).origin)}/api/streams/me/agent</pre>`,
    ),
  );
});

function wantsJson(format: string | undefined, accept: string | undefined): boolean {
  return format === "json" || (format === undefined && (accept ?? "").includes("application/json"));
}
