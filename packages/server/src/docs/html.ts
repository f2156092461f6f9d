/** Escapes text for HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);
}

/** Renders markdown to HTML (see `loadMarkdown`). */
export type MarkdownHtml = (source: string, inline?: boolean) => string;

let loaded: Promise<MarkdownHtml> | undefined;

/**
 * A renderer of the project's own docs text (an event type's description, written in code) as HTML. The
 * source is ours, never a client's; HTML in it is escaped all the same. `marked` is imported on the first
 * docs page, not at server start.
 */
export function loadMarkdown(): Promise<MarkdownHtml> {
  loaded ??= import("marked").then(({ marked }) => (source: string, inline = false) => {
    const escaped = source.replace(/[<>]/g, (char) => (char === "<" ? "&lt;" : "&gt;"));
    return inline ? (marked.parseInline(escaped, { async: false }) as string) : (marked.parse(escaped, { async: false }) as string);
  });
  return loaded;
}

/** The docs pages' stylesheet, served at /api/docs/style.css: no inline styles (the pages run under a strict CSP). */
export const docsStylesheet = `:root{color-scheme:light dark;--bg:#fff;--text:#1b1f24;--muted:#5c6370;--code:#f4f5f7;--border:#dde1e6;--link:#0b5cad}
@media (prefers-color-scheme:dark){:root{--bg:#0f1218;--text:#e4e8ef;--muted:#8b94a5;--code:#1d222c;--border:#2a303c;--link:#6b9bff}}
body{font:15px/1.55 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:var(--text);background:var(--bg)}
code,pre{font:13px/1.45 ui-monospace,monospace;background:var(--code);border-radius:4px}
pre{padding:.75rem;overflow:auto}code{padding:0 .25rem}pre code{padding:0}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid var(--border)}
.method{display:inline-block;min-width:4.5rem;font-weight:600}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid var(--border);padding:.3rem .55rem;text-align:left;vertical-align:top}
a{color:var(--link)}nav{margin-bottom:1rem}.muted{color:var(--muted)}`;

/** A self-contained page (no external assets), so the docs work offline. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tributary</title>
<link rel="stylesheet" href="/api/docs/style.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head><body>
<nav><a href="/">Tributary</a> · <a href="/api/docs">HTTP API</a> · <a href="/api/docs/events">Event types</a> · <a href="/api/openapi.json">openapi.json</a></nav>
<main>
${body}
</main>
</body></html>`;
}
