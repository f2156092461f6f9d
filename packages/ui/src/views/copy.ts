import type { StoredEvent } from "@tributary/protocol";
import { announce } from "./announce.ts";

/** Copies text to the clipboard and says so (or says why not: a page over plain HTTP may not have it). */
export async function copyText(text: string, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    announce(`Copied ${what}`);
  } catch {
    announce(`Could not copy ${what}: the browser refused the clipboard`);
  }
}

/** Single-quotes a string for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A `curl` command that appends this event again (its type, payload and metadata) to the same stream: how
 * to replay it, or to reproduce a bug report, from a terminal.
 *
 * @example
 * curlForEvent(event, "http://127.0.0.1:4000/api/streams/me/agent"); // "curl --json '{…}' 'http://…'"
 */
export function curlForEvent(event: StoredEvent, streamUrl: string, project: string): string {
  const input: Record<string, unknown> = { type: event.type, payload: event.payload };
  if (event.metadata !== undefined) input.metadata = event.metadata;
  const header = project === "default" ? "" : ` -H ${shellQuote(`x-tributary-project: ${project}`)}`;
  return `curl${header} --json ${shellQuote(JSON.stringify(input))} ${shellQuote(streamUrl)}`;
}
