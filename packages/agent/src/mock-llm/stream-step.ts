/** A group of SSE frames sent together; `chunk` steps are the ones that carry content (counted, delayed). */
export interface StreamStep {
  frames: string[];
  chunk: boolean;
}

/** One SSE frame: an optional `event:` line and a JSON (or literal) `data:` line. */
export function sseFrame(data: unknown, event?: string): string {
  const body = typeof data === "string" ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ""}data: ${body}\n\n`;
}
