/** Escapes text for HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);
}

/** A self-contained page (no external assets), so the docs work offline. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tributary</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font:13px/1.4 ui-monospace,monospace;background:#f4f5f7;border-radius:4px}
pre{padding:.75rem;overflow:auto}code{padding:0 .2rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.method{display:inline-block;min-width:4.5rem;font-weight:600}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
a{color:#0b5cad}
</style></head><body>
<nav><a href="/">Tributary</a> · <a href="/api/docs">HTTP API</a> · <a href="/api/docs/events">Event types</a> · <a href="/api/openapi.json">openapi.json</a></nav>
${body}
</body></html>`;
}
