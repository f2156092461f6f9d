import { z } from "zod";
import { builtinEventTypes, type BuiltinEventType } from "@tributary/protocol";

/** The docs of one built-in event type as data: the source for the HTML page, the JSON and the markdown. */
export function eventTypeDoc(type: BuiltinEventType) {
  return {
    type: type.type,
    title: type.title,
    description: type.description,
    appendedBy: type.appendedBy,
    payloadSchema: z.toJSONSchema(type.payload, { io: "input", unrepresentable: "any" }),
    example: { type: type.type, payload: type.example },
  };
}

export function allEventTypeDocs() {
  return [...builtinEventTypes.values()].map(eventTypeDoc);
}

/** A docs page per event type as markdown (written to docs/event-types/ by `npm run docs:events`). */
export function eventTypeMarkdown(type: BuiltinEventType): string {
  const doc = eventTypeDoc(type);
  return [
    `# \`${doc.type}\` — ${doc.title}`,
    "",
    doc.description,
    "",
    `Appended by: ${doc.appendedBy === "server" ? "the server only (a client's append of this type is refused)" : "anyone"}.`,
    "",
    "## Payload schema",
    "",
    "```json",
    JSON.stringify(doc.payloadSchema, null, 2),
    "```",
    "",
    "## Example",
    "",
    "```sh",
    `curl --json '${JSON.stringify(doc.example)}' http://127.0.0.1:4000/api/streams/me/agent`,
    "```",
    "",
    "_Generated from the schema in packages/protocol/src/builtin-event-types.ts; do not edit by hand._",
    "",
  ].join("\n");
}
