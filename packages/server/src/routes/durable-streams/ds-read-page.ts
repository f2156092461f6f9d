import type { ServerParts } from "../../context.ts";
import { bytesOf, messageOf } from "./ds-messages.ts";
import type { DsStream } from "./ds-stream.ts";

/** One read's worth of a stream after an offset, already in the stream's wire shape. */
export interface DsPage {
  /** Messages (JSON streams) or appends (byte streams), each with the offset after it. */
  items: { offset: number; data: string | Buffer }[];
  /** The offset after the last event read (bookkeeping events included), or the start when none. */
  next: number;
}

const maxPageEvents = 10_000;
const maxPageBytes = 4 * 1024 * 1024;

/**
 * Reads from `after` to the tail, at most 10,000 events or about 4 MiB (§5.6 lets a server answer with
 * part of the data; `Stream-Next-Offset` says where to go on). Byte streams skip the event log's
 * bookkeeping events (none are appended to them, but a stream's first append may follow none).
 */
export async function readDsPage(parts: ServerParts, stream: DsStream, after: number): Promise<DsPage> {
  const records = await parts.store.read(stream.storeProject, stream.storePath, { afterOffset: after, limit: maxPageEvents });
  const items: DsPage["items"] = [];
  let next = after;
  let size = 0;
  for (const record of records) {
    if (size >= maxPageBytes) break;
    next = record.offset;
    if (stream.meta.kind === "events") {
      const data = messageOf(record);
      size += data.length;
      items.push({ offset: record.offset, data });
    } else {
      const data = bytesOf(record);
      if (!data) continue;
      size += data.length;
      items.push({ offset: record.offset, data });
    }
  }
  return { items, next };
}

/** A page as one response body: a JSON array for JSON streams (§9), the bytes one after another otherwise. */
export function pageBody(stream: DsStream, page: DsPage): string | Buffer {
  if (stream.meta.kind === "events") return `[${page.items.map((item) => item.data).join(",")}]`;
  return Buffer.concat(page.items.map((item) => item.data as Buffer));
}
