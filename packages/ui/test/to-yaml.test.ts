import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { toYaml } from "../src/yaml/to-yaml.ts";

const tricky: unknown[] = [
  "",
  " ",
  "plain",
  "stream/paused",
  "https://events.example.com/types/hello",
  "2024-05-01T12:00:00.000Z",
  "true",
  "no",
  "n",
  "Y",
  "null",
  "~",
  "123",
  "-1",
  "1e3",
  ".5",
  "0x1F",
  "1:20",
  "-foo",
  "- foo",
  "---",
  "...",
  "a: b",
  "a:b",
  "ends with colon:",
  "has # hash",
  "#comment",
  "trailing space ",
  " leading space",
  "tab\there",
  'quote "inside"',
  "'single'",
  "[flow]",
  "{flow}",
  "*alias",
  "&anchor",
  "!tag",
  "|pipe",
  ">fold",
  "%directive",
  "@at",
  "`tick",
  "line 1\nline 2",
  "line 1\nline 2\n",
  "line 1\n\n\n",
  "\nstarts with newline",
  "  indented first\nsecond",
  "first\n  indented second\n\ttabbed third",
  "windows\r\nline",
  "control \u0001 char",
  "del \u007f nel \u0085 ls \u2028",
  "emoji 🎉 and ünïcödé",
  "lone \ud800 surrogate",
  "export default {\n  slug: 'ping-pong',\n  reduce: ({ state }) => state, // a: b # c\n};\n",
];

describe("toYaml", () => {
  it.each(tricky.map((value) => [JSON.stringify(value), value]))("round-trips the string %s through a YAML parser", (_, value) => {
    expect(parse(toYaml(value))).toEqual(value);
    expect(parse(toYaml({ key: value, list: [value, { nested: value }] }))).toEqual({ key: value, list: [value, { nested: value }] });
  });

  it("round-trips a stored event with nested objects, lists, numbers and empty collections", () => {
    const event = {
      type: "schedule/configured",
      payload: {
        slug: "heartbeat",
        event: { type: "heartbeat" },
        schedule: { kind: "every", seconds: 5 },
        tags: [],
        extra: {},
        n: -0.5,
        ok: false,
        none: null,
      },
      streamPath: "/jonas/agent",
      offset: 7,
      createdAt: "2024-05-01T12:00:00.000Z",
      metadata: { matrix: [[1, 2], [], [{ a: 1 }]], "weird key: yes": 1, "": "empty key", "123": "numeric key" },
    };
    expect(parse(toYaml(event))).toEqual(event);
  });

  it("writes the readable block style the talk shows", () => {
    expect(toYaml({ type: "hello-world", payload: { text: "line 1\nline 2", items: [{ a: 1, b: 2 }, "x"] } })).toBe(
      ["type: hello-world", "payload:", "  text: |-", "    line 1", "    line 2", "  items:", "    - a: 1", "      b: 2", "    - x"].join("\n"),
    );
  });
});
