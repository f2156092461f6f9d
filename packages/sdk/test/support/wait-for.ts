import type { StoredEvent } from "@tributary/protocol";

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every event of a stream, read as a JSON page (not through the SDK, so SDK bugs cannot hide). */
export async function readAll(baseUrl: string, path: string, project?: string): Promise<StoredEvent[]> {
  const response = await fetch(`${baseUrl}/api/streams${path}?format=json&limit=10000`, project ? { headers: { "x-tributary-project": project } } : {});
  if (!response.ok) throw new Error(`read ${path}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { events: StoredEvent[] }).events;
}

/** Waits until a stream holds an event matching `predicate`, and returns it. */
export function waitForEvent(baseUrl: string, path: string, predicate: (event: StoredEvent) => boolean, what: string): Promise<StoredEvent> {
  return waitFor(async () => (await readAll(baseUrl, path)).find(predicate), what);
}
