import { TributaryError, type StreamPath } from "@tributary/protocol";
import { projectOf, type AppContext } from "../../context.ts";
import { faceOf, streamKey } from "./ds-face.ts";
import { removeDsStream } from "./ds-remove.ts";
import { setStreamHeaders } from "./ds-respond.ts";
import { findDsStream, requireLive } from "./ds-stream.ts";

/** HEAD (§5.5): the stream's metadata. It does not touch the sliding TTL. */
export async function headDurableStream(c: AppContext, path: StreamPath) {
  const { parts } = c.var;
  const face = faceOf(parts);
  const project = projectOf(c);
  const stream = await face.serialise(streamKey(project, path), async () =>
    requireLive(await findDsStream(parts, project, path, (expired) => removeDsStream(parts, face, expired)), path),
  );
  setStreamHeaders(c, stream, { expiry: true });
  c.header("cache-control", "no-store");
  return c.body(null, 200);
}

/** DELETE (§5.4): removes the stream, or soft-deletes it while forks of it live. */
export async function deleteDurableStream(c: AppContext, path: StreamPath) {
  const { parts } = c.var;
  const face = faceOf(parts);
  const project = projectOf(c);
  await face.serialise(streamKey(project, path), async () => {
    const stream = requireLive(await findDsStream(parts, project, path, (expired) => removeDsStream(parts, face, expired)), path);
    if (stream.meta.softDeleted) throw new TributaryError("stream_gone", `The stream at ${path} was already deleted.`);
    await removeDsStream(parts, face, stream);
  });
  return c.body(null, 204);
}
