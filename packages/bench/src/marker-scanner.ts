/**
 * Finds `"<key>":<number>` in the bytes of a response as they arrive, across chunk boundaries, without
 * parsing frames or JSON: the same cheap reader for every server's wire format (Tributary's SSE frames,
 * Durable Streams' `event: data` frames, JSON pages), so the client costs every subject the same.
 *
 * @example
 * const scan = createMarkerScanner("rt", (value) => seen(value));
 * socket.on("data", scan);
 */
export function createMarkerScanner(key: string, onValue: (value: number) => void): (chunk: Buffer) => void {
  const marker = Buffer.from(`"${key}":`);
  let rest: Buffer | undefined;
  return (chunk) => {
    const bytes = rest ? Buffer.concat([rest, chunk]) : chunk;
    let at = bytes.indexOf(marker);
    let consumed = 0;
    while (at >= 0) {
      const { value, end } = numberAt(bytes, at + marker.length);
      // A number running to the end of the chunk may continue in the next: keep it for then.
      if (end === bytes.length) break;
      onValue(value);
      consumed = end;
      at = bytes.indexOf(marker, end);
    }
    if (at >= 0) rest = Buffer.from(bytes.subarray(at));
    else {
      // Keep a tail as long as the marker, in case the marker itself is split across chunks.
      const keep = Math.max(consumed, bytes.length - marker.length);
      rest = keep < bytes.length ? Buffer.from(bytes.subarray(keep)) : undefined;
    }
  };
}

/** Parses the decimal number (digits, one optional '.') that starts at `at`. */
export function numberAt(bytes: Buffer, at: number): { value: number; end: number } {
  let value = 0;
  let scale = 0;
  let index = at;
  for (; index < bytes.length; index++) {
    const byte = bytes[index]!;
    if (byte === 46) scale = 1;
    else if (byte >= 48 && byte <= 57) {
      value = value * 10 + (byte - 48);
      if (scale > 0) scale *= 10;
    } else break;
  }
  return { value: scale > 0 ? value / scale : value, end: index };
}
