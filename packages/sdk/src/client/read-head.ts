import { apiUrl, request, type Endpoint } from "./http.ts";

/** The offset of a stream's last event (0 for an empty or missing stream), from a one-event JSON page. */
export async function readHead(endpoint: Endpoint, path: string, signal?: AbortSignal): Promise<number> {
  const url = apiUrl(endpoint, "streams", path, { format: "json", afterOffset: "end", limit: 1 });
  const response = await request(endpoint, url, signal ? { signal } : {});
  const page = (await response.json()) as { lastOffset: number };
  return page.lastOffset;
}
