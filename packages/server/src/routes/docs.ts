import { Hono } from "hono";
import { builtinEventTypes, TributaryError } from "@tributary/protocol";
import type { AppEnv } from "../context.ts";
import { decodePathPart } from "../http/request-path.ts";
import { allEventTypeDocs, eventTypeDoc, type DocumentedEventType } from "../docs/event-type-docs.ts";
import { docsStylesheet, escapeHtml, htmlPage, loadMarkdown } from "../docs/html.ts";
import { buildOpenApi } from "../docs/openapi.ts";

/** OpenAPI, the human API docs and one page per built-in event type; all generated from the schemas. */
export const docsRoutes = new Hono<AppEnv>();

const openapi = buildOpenApi();

docsRoutes.get("/api/openapi.json", (c) => c.json(openapi));

docsRoutes.get("/api/docs/style.css", (c) =>
  c.body(docsStylesheet, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=3600" }),
);

docsRoutes.get("/api/docs", async (c) => {
  const markdownHtml = await loadMarkdown();
  const paths = openapi.paths as Record<
    string,
    Record<string, { summary?: string; description?: string; parameters?: { name: string; in: string; description?: string }[] }>
  >;
  const sections = Object.entries(paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const params = (operation.parameters ?? [])
          .map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${markdownHtml(p.description ?? "", true)}</td></tr>`)
          .join("");
        return `<h2><span class="method">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>
<p><strong>${escapeHtml(operation.summary ?? "")}</strong></p>${operation.description ? markdownHtml(operation.description) : ""}
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

const appendedByText: Record<string, string> = {
  server: "the server only (a client's append of this type is refused)",
  anyone: "anyone",
  agent: "the agent",
  tool: "a tool processor",
  you: "you (a person, a UI, a webhook, another processor)",
};

/** Groups of documented types for the index: the built-ins, then each registered family. */
function typeGroups(registered: ReadonlyMap<string, DocumentedEventType>): [string, (DocumentedEventType & { group?: string })[]][] {
  const groups = new Map<string, DocumentedEventType[]>([["builtin", [...builtinEventTypes.values()]]]);
  for (const type of registered.values()) {
    const group = type.group ?? "registered";
    groups.set(group, [...(groups.get(group) ?? []), type]);
  }
  return [...groups];
}

docsRoutes.get("/api/docs/events", (c) => {
  const registered = c.var.parts.eventTypes;
  if (wantsJson(c.req.query("format"), c.req.header("accept")))
    return c.json({ types: [...allEventTypeDocs(), ...[...registered.values()].map(eventTypeDoc)] });
  const sections = typeGroups(registered)
    .map(([group, types]) => {
      const rows = types
        .map(
          (t) =>
            `<tr><td><a href="/api/docs/events/${escapeHtml(t.type)}"><code>${escapeHtml(t.type)}</code></a></td><td>${escapeHtml(t.title)}</td><td>${escapeHtml(t.appendedBy)}</td></tr>`,
        )
        .join("");
      const heading = group === "builtin" ? "Built-in event types" : `${group[0]!.toUpperCase()}${group.slice(1)} event types`;
      return `<h2>${escapeHtml(heading)}</h2><table><tr><th>type</th><th>what</th><th>appended by</th></tr>${rows}</table>`;
    })
    .join("\n");
  return c.html(htmlPage("Event types", `<h1>Event types</h1>${sections}`));
});

docsRoutes.get("/api/docs/events/*", async (c) => {
  const markdownHtml = await loadMarkdown();
  const type = decodePathPart(new URL(c.req.url).pathname.slice("/api/docs/events/".length), "event type", "invalid_request");
  const documented = builtinEventTypes.get(type) ?? c.var.parts.eventTypes.get(type);
  if (!documented) throw new TributaryError("not_found", `${type} is not a documented event type. See /api/docs/events for the list.`);
  const doc = eventTypeDoc(documented);
  if (wantsJson(c.req.query("format"), c.req.header("accept"))) return c.json(doc);
  return c.html(
    htmlPage(
      doc.type,
      `<h1><code>${escapeHtml(doc.type)}</code></h1><p><strong>${escapeHtml(doc.title)}</strong></p>${markdownHtml(doc.description)}
<p>Appended by ${escapeHtml(appendedByText[doc.appendedBy] ?? doc.appendedBy)}.</p>
<h2>Payload schema</h2><pre>${escapeHtml(JSON.stringify(doc.payloadSchema, null, 2))}</pre>
<h2>Example</h2><pre>${escapeHtml(JSON.stringify(doc.example, null, 2))}</pre>
<pre>curl --json '${escapeHtml(JSON.stringify(doc.example))}' ${escapeHtml(new URL(c.req.url).origin)}/api/streams/me/agent</pre>`,
    ),
  );
});

function wantsJson(format: string | undefined, accept: string | undefined): boolean {
  return format === "json" || (format === undefined && (accept ?? "").includes("application/json"));
}
