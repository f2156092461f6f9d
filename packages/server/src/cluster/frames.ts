import type { Socket } from "node:net";

/** A frame's JSON may be this large at most (a forwarded batch stops growing at 16 MiB; one append is at most the body limit). */
const maxFrameBytes = 256 * 1024 * 1024;

/** Writes one frame: the JSON's byte length (4 bytes, big-endian), then the JSON (`json`, already encoded). */
export function writeFrame(socket: Socket, json: string): void {
  const bytes = Buffer.from(json);
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(bytes.length);
  socket.write(Buffer.concat([header, bytes]));
}

/**
 * Reads the frames `writeFrame` writes from `socket` (starting with `head`, bytes already read past the
 * HTTP upgrade) and calls `onFrame` with each parsed value, in order. A frame too large or not JSON
 * destroys the socket.
 */
export function readFrames(socket: Socket, head: Buffer, onFrame: (value: unknown) => void): void {
  // The chunks received and not parsed yet; joined only once they hold what the next step needs (a
  // length, then the frame), so a large frame arriving in many chunks is copied once, not once a chunk.
  let chunks: Buffer[] = [];
  let size = 0;
  let need = 4;
  const take = (chunk: Buffer) => {
    if (chunk.length > 0) {
      chunks.push(chunk);
      size += chunk.length;
    }
    while (size >= need) {
      const buffered = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      const length = buffered.readUInt32BE(0);
      if (length > maxFrameBytes) return void socket.destroy(new Error("a cluster frame is too large"));
      if (size < 4 + length) {
        chunks = [buffered];
        need = 4 + length;
        return;
      }
      const json = buffered.subarray(4, 4 + length).toString();
      const rest = buffered.subarray(4 + length);
      chunks = rest.length > 0 ? [rest] : [];
      size = rest.length;
      need = 4;
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        return void socket.destroy(new Error("a cluster frame is not JSON"));
      }
      onFrame(value);
    }
  };
  socket.on("data", take);
  take(head);
}
