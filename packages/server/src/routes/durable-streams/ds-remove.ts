import { TributaryError, type StreamPath } from "@tributary/protocol";
import type { ServerParts } from "../../context.ts";
import { streamKey, type DurableStreamsFace } from "./ds-face.ts";
import { findDsStream, type DsStream } from "./ds-stream.ts";

/**
 * Removes a DS stream (a DELETE, or its expiry), holding its lock. While forks of it live it is only
 * soft-deleted (§4.2: 410 for every direct request, data kept); otherwise its events and record go, and
 * the source it was forked from loses a reference, which may in turn remove a soft-deleted source.
 * Resolves the stream as it is afterwards: soft-deleted, or `undefined` when gone.
 */
export async function removeDsStream(parts: ServerParts, face: DurableStreamsFace, stream: DsStream): Promise<DsStream | undefined> {
  const { meta } = stream;
  if (meta.forks > 0) {
    const softDeleted = { ...stream, meta: { ...meta, softDeleted: true } };
    await parts.store.putDurableStream(stream.project, stream.path, softDeleted.meta);
    face.notify(stream.storeProject, stream.storePath);
    return softDeleted;
  }
  await deleteEvents(parts, stream.storeProject, stream.storePath);
  if (!stream.implicit) await parts.store.deleteDurableStream(stream.project, stream.path);
  face.notify(stream.storeProject, stream.storePath);
  if (meta.fork) await releaseSource(parts, face, stream.project, meta.fork.source as StreamPath);
  return undefined;
}

/** A fork went away: its source loses a reference, and goes for good if it was soft-deleted and this was the last. */
async function releaseSource(parts: ServerParts, face: DurableStreamsFace, project: string, source: StreamPath): Promise<void> {
  await face.serialise(streamKey(project, source), async () => {
    const stream = await findDsStream(parts, project, source, (expired) => removeDsStream(parts, face, expired));
    if (!stream || stream.implicit) return;
    const forks = Math.max(0, stream.meta.forks - 1);
    const released = { ...stream, meta: { ...stream.meta, forks } };
    if (released.meta.softDeleted && forks === 0) await removeDsStream(parts, face, released);
    else await parts.store.putDurableStream(project, source, released.meta);
  });
}

export async function deleteEvents(parts: ServerParts, storeProject: string, storePath: StreamPath): Promise<void> {
  try {
    const result = await parts.store.delete(storeProject, storePath, { recursive: false });
    for (const deleted of result.deletedPaths) {
      parts.hub.closeStream(storeProject, deleted);
      parts.builtins.forget(storeProject, deleted);
    }
  } catch (error) {
    if (error instanceof TributaryError && error.code === "stream_not_found") return;
    throw error;
  }
}
