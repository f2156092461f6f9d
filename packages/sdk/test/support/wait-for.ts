import type { StoredEvent } from "@tributary/protocol";
import { waitFor } from "@tributary/server/testing";

export { waitFor };

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
