/** One dispatched Server-Sent Events message. */
export interface SseMessage {
  /** The `event:` field; `message` when the frame has none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen so far on this connection (the SSE "last event ID"), if any. */
  id: string | undefined;
}

/**
 * An incremental Server-Sent Events parser, following the WHATWG "event stream interpretation" rules:
 * lines end in `\n`, `\r\n` or `\r` (also when split across chunks); a line starting with `:` is a comment
 * (heartbeats); `field: value` loses one leading space of the value; a blank line dispatches the message;
 * a message with no `data:` line is not dispatched; an `id` containing NUL is ignored.
 *
 * @example
 * const parser = createSseParser((message) => console.log(message.id, message.data));
 * parser.feed("id: 1\ndata: {\"type\":\"x\"}\n\n");
 */
export function createSseParser(onMessage: (message: SseMessage) => void, onComment?: (text: string) => void) {
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let lastId: string | undefined;
  let skipLeadingLf = false;

  function line(text: string): void {
    if (text === "") {
      if (data.length > 0) onMessage({ event: event || "message", data: data.join("\n"), id: lastId });
      data = [];
      event = "";
      return;
    }
    if (text.charCodeAt(0) === 58 /* : */) {
      onComment?.(text.slice(1).trimStart());
      return;
    }
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "id") {
      if (!value.includes("\u0000")) lastId = value;
    } else if (field === "event") event = value;
    // `retry` and unknown fields are ignored: reconnection timing is the reader's policy.
  }

  return {
    /** Feeds decoded text; dispatches every complete message it contains. */
    feed(chunk: string): void {
      let text = buffer + chunk;
      buffer = "";
      let start = 0;
      if (skipLeadingLf && text.charCodeAt(0) === 10) start = 1;
      skipLeadingLf = false;
      // Each search result is reused until passed, so a chunk without any \r is scanned for it once,
      // not once per line (which made large catch-ups quadratic in the chunk size).
      let lf = -2;
      let cr = -2;
      for (;;) {
        if (lf !== -1 && lf < start) lf = text.indexOf("\n", start);
        if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
        if (lf === -1 && cr === -1) break;
        const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
        line(text.slice(start, end));
        if (end === cr) {
          if (end + 1 === text.length) {
            // A `\r` at the end of a chunk may be the first half of `\r\n`.
            skipLeadingLf = true;
            start = end + 1;
            break;
          }
          start = text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
        } else {
          start = end + 1;
        }
      }
      buffer = text.slice(start);
      text = "";
    },
    /** The last event ID seen, for `Last-Event-ID` on reconnect. */
    lastEventId(): string | undefined {
      return lastId;
    },
    /** Discards a partial message (the connection ended mid-frame). */
    reset(): void {
      buffer = "";
      data = [];
      event = "";
      skipLeadingLf = false;
    },
  };
}

export type SseParser = ReturnType<typeof createSseParser>;
