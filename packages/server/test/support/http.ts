import type { StoredEvent } from "@tributary/protocol";
import { waitFor } from "../../src/testing.ts";

export { waitFor };

export async function appendJson(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/streams${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
}

export async function readEvents(url: string, path: string, query = ""): Promise<StoredEvent[]> {
  const response = await fetch(`${url}/api/streams${path}?format=json&limit=10000${query}`);
  if (!response.ok) throw new Error(`read ${path}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { events: StoredEvent[] }).events;
}

export interface SseFrame {
  id?: string;
  data?: string;
  comment?: string;
}

/**
 * Opens an SSE (or NDJSON) response and collects what arrives, parsed into frames, so a test can wait
 * for a condition on them. `close()` aborts the request.
 */
export function openReader(url: string, init: RequestInit = {}) {
  const controller = new AbortController();
  const frames: SseFrame[] = [];
  let raw = "";
  let ended = false;
  let status = 0;
  const done = (async () => {
    try {
      const response = await fetch(url, { ...init, signal: controller.signal });
      status = response.status;
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of response.body!) {
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        raw += text;
        buffer += text;
        let index: number;
        while ((index = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, index);
          buffer = buffer.slice(index + 2);
          const frame: SseFrame = {};
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) frame.comment = line.slice(1).trim();
            else if (line.startsWith("id: ")) frame.id = line.slice(4);
            else if (line.startsWith("data: ")) frame.data = line.slice(6);
          }
          frames.push(frame);
        }
      }
    } catch (error) {
      if ((error as Error).name !== "AbortError") throw error;
    } finally {
      ended = true;
    }
  })();
  return {
    frames,
    events: () => frames.filter((frame) => frame.data !== undefined).map((frame) => JSON.parse(frame.data!) as StoredEvent),
    raw: () => raw,
    ended: () => ended,
    status: () => status,
    done,
    close: () => controller.abort(),
  };
}
