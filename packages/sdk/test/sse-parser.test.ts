import { describe, expect, it } from "vitest";
import { sseComment, sseFrame } from "@tributary/protocol";
import { createSseParser, type SseMessage } from "../src/client/sse-parser.ts";

function parse(chunks: string[]) {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const parser = createSseParser(
    (message) => messages.push(message),
    (comment) => comments.push(comment),
  );
  for (const chunk of chunks) parser.feed(chunk);
  return { messages, comments, parser };
}

describe("the SSE parser", () => {
  it("reads the server's frames (protocol's sseFrame and heartbeat comment) back as offset and JSON", () => {
    const json = JSON.stringify({ type: "x", payload: { text: "a\nb: c" }, offset: 12 });
    const { messages, comments } = parse([sseComment("heartbeat"), sseFrame(12, json), sseFrame(13, "{}")]);
    expect(messages).toEqual([
      { event: "message", data: json, id: "12" },
      { event: "message", data: "{}", id: "13" },
    ]);
    expect(comments).toEqual(["heartbeat"]);
  });

  it("dispatches a message per blank line, with the id and the data", () => {
    const { messages } = parse(['id: 1\ndata: {"a":1}\n\nid: 2\ndata: {"a":2}\n\n']);
    expect(messages).toEqual([
      { event: "message", data: '{"a":1}', id: "1" },
      { event: "message", data: '{"a":2}', id: "2" },
    ]);
  });

  it("handles frames split anywhere across chunks, including between \\r and \\n", () => {
    const text = "id: 7\r\ndata: hello\r\n\r\nid: 8\rdata: world\r\r";
    for (let cut = 1; cut < text.length; cut++) {
      const { messages } = parse([text.slice(0, cut), text.slice(cut)]);
      expect(
        messages.map((m) => [m.id, m.data]),
        `cut at ${cut}`,
      ).toEqual([
        ["7", "hello"],
        ["8", "world"],
      ]);
    }
  });

  it("joins multi-line data, strips one leading space only, and keeps the last id across messages", () => {
    const { messages } = parse(["id: 3\ndata:  two spaces\ndata:x\n\ndata: no id\n\n"]);
    expect(messages).toEqual([
      { event: "message", data: " two spaces\nx", id: "3" },
      { event: "message", data: "no id", id: "3" },
    ]);
  });

  it("treats colon lines as comments (heartbeats), ignores frames without data and ids with NUL", () => {
    const { messages, comments } = parse([": heartbeat\n\nid: 5\n\nevent: custom\nid: bad\u0000id\ndata: d\n\n"]);
    expect(comments).toEqual(["heartbeat"]);
    expect(messages).toEqual([{ event: "custom", data: "d", id: "5" }]);
  });

  it("reads fields by name only: lines without a colon, empty values, and names that merely start like data or id", () => {
    const { messages } = parse(["id:9\ndata\ndata:\ndata:x\n\ndat: no\nidx: no\ndatum: no\ndata: y\nid\n\n"]);
    expect(messages).toEqual([
      { event: "message", data: "\n\nx", id: "9" },
      { event: "message", data: "y", id: "" },
    ]);
  });

  it("keeps a partial frame until it is completed, and reset() discards it", () => {
    const { messages, parser } = parse(["id: 1\ndata: par"]);
    expect(messages).toEqual([]);
    parser.reset();
    parser.feed("id: 2\ndata: whole\n\n");
    expect(messages).toEqual([{ event: "message", data: "whole", id: "2" }]);
  });
});
