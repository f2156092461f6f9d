const epochMs = Date.parse("2024-10-09T00:00:00.000Z");
const intervalMs = 20_000;

/**
 * §10.1: live responses carry a cursor, the number of 20-second intervals since 2024-10-09, so CDN cache
 * keys move on. It never goes backwards: when the client's cursor is already at or past the current
 * interval, the answer is the client's plus 1–3600 s of jitter (counted in intervals, at least one).
 *
 * @example
 * responseCursor(undefined) // "3712345"
 */
export function responseCursor(clientCursor: string | undefined, now = Date.now()): string {
  const current = Math.floor((now - epochMs) / intervalMs);
  const client = clientCursor !== undefined && /^\d{1,15}$/.test(clientCursor) ? Number(clientCursor) : undefined;
  if (client === undefined || client < current) return String(current);
  const jitterSeconds = 1 + Math.floor(Math.random() * 3600);
  return String(client + Math.max(1, Math.ceil((jitterSeconds * 1000) / intervalMs)));
}
