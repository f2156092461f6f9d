import { TributaryError, type StreamPath } from "@tributary/protocol";
import type { ServerParts } from "../../context.ts";
import type { DurableStreamMeta } from "../../store/durable-stream-meta-store.ts";
import { shadowProjectOf } from "./ds-face.ts";

/** A DS stream as a request sees it: its metadata and where its events are stored. */
export interface DsStream {
  project: string;
  path: StreamPath;
  meta: DurableStreamMeta;
  /** True for a Tributary event stream the DS face has stored nothing about yet. */
  implicit: boolean;
  /** Where its events live: the project itself, or the shadow project for byte streams. */
  storeProject: string;
  storePath: StreamPath;
  /** The offset of its last event (0 when it has none). */
  tail: number;
}

/**
 * Byte streams are stored flat in the shadow project (`/a/b` → `/a~2Fb`), so a DS name never has a
 * parent or children there, and deleting one never meets the event log's "has children" rule.
 */
export function storePathOf(kind: DurableStreamMeta["kind"], path: StreamPath): StreamPath {
  if (kind === "events" || path === "/") return path;
  return `/${path.slice(1).replaceAll("~", "~7E").replaceAll("/", "~2F")}` as StreamPath;
}

export function locate(project: string, path: StreamPath, kind: DurableStreamMeta["kind"]) {
  return { storeProject: kind === "bytes" ? shadowProjectOf(project) : project, storePath: storePathOf(kind, path) };
}

/** The record of a stream just created: open unless asked closed, no writers yet, no forks. */
export function newMeta(kind: DurableStreamMeta["kind"], contentType: string, closed: boolean): DurableStreamMeta {
  return { kind, contentType, touchedAt: Date.now(), closed, producers: {}, forks: 0, softDeleted: false, createdAt: new Date().toISOString() };
}

export function isExpired(meta: DurableStreamMeta, now: number): boolean {
  if (meta.expiresAt !== undefined && Date.parse(meta.expiresAt) <= now) return true;
  return meta.ttlSeconds !== undefined && meta.touchedAt + meta.ttlSeconds * 1000 <= now;
}

/**
 * Finds a DS stream. A Tributary event stream with no DS record is a JSON stream (its events are its
 * messages). An expired stream is removed here, on first access after its expiry (or soft-deleted
 * while forks still use it), so expiry needs no timer.
 */
export async function findDsStream(
  parts: ServerParts,
  project: string,
  path: StreamPath,
  expire: (stream: DsStream) => Promise<DsStream | undefined>,
): Promise<DsStream | undefined> {
  const meta = await parts.store.getDurableStream(project, path);
  if (!meta) {
    const info = await parts.store.info(project, path);
    if (!info) return undefined;
    const implicitMeta: DurableStreamMeta = { ...newMeta("events", "application/json", false), createdAt: info.createdAt };
    return { project, path, meta: implicitMeta, implicit: true, storeProject: project, storePath: path, tail: info.lastOffset };
  }
  const { storeProject, storePath } = locate(project, path, meta.kind);
  const info = await parts.store.info(storeProject, storePath);
  const stream: DsStream = { project, path, meta, implicit: false, storeProject, storePath, tail: info?.lastOffset ?? 0 };
  if (!meta.softDeleted && isExpired(meta, Date.now())) return expire(stream);
  return stream;
}

/** A stream that must exist and be live: 404 when missing, 410 when soft-deleted (§4.2). */
export function requireLive(stream: DsStream | undefined, path: StreamPath): DsStream {
  if (!stream) throw new TributaryError("stream_not_found", `No stream at ${path}.`, { path });
  if (stream.meta.softDeleted) throw new TributaryError("stream_gone", `The stream at ${path} was deleted; forks of it still read its data.`, { path });
  return stream;
}
