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
  // The data lines so far, joined with \n; undefined before the message's first one.
  let data: string | undefined;
  let event = "";
  let lastId: string | undefined;
  let skipLeadingLf = false;

  function field(name: string, value: string): void {
    if (name === "data") data = data === undefined ? value : `${data}\n${value}`;
    else if (name === "id") {
      if (!value.includes("\u0000")) lastId = value;
    } else if (name === "event") event = value;
    // `retry` and unknown fields are ignored: reconnection timing is the reader's policy.
  }

  /** The line `text[start, end)`. The server's own lines (`id: `, `data: `) are read without slicing the field name. */
  function line(text: string, start: number, end: number): void {
    if (start === end) {
      if (data !== undefined) onMessage({ event: event || "message", data, id: lastId });
      data = undefined;
      event = "";
      return;
    }
    const first = text.charCodeAt(start);
    if (first === 58 /* : */) {
      onComment?.(text.slice(start + 1, end).trimStart());
      return;
    }
    // "data:" and "id:" as character codes: the two fields of every frame the server sends.
    let name: string;
    let colon: number;
    if (
      first === 100 &&
      text.charCodeAt(start + 1) === 97 &&
      text.charCodeAt(start + 2) === 116 &&
      text.charCodeAt(start + 3) === 97 &&
      text.charCodeAt(start + 4) === 58 &&
      start + 4 < end
    ) {
      name = "data";
      colon = start + 4;
    } else if (first === 105 && text.charCodeAt(start + 1) === 100 && text.charCodeAt(start + 2) === 58 && start + 2 < end) {
      name = "id";
      colon = start + 2;
    } else {
      colon = text.indexOf(":", start);
      if (colon === -1 || colon >= end) colon = end;
      name = text.slice(start, colon);
    }
    // One leading space of the value is dropped; no colon means an empty value.
    const valueStart = colon + 1 < end && text.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
    field(name, valueStart < end ? text.slice(valueStart, end) : "");
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
        line(text, start, end);
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
      data = undefined;
      event = "";
      skipLeadingLf = false;
    },
  };
}

export type SseParser = ReturnType<typeof createSseParser>;
