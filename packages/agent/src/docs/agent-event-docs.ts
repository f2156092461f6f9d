import { z } from "zod";
import { agentEventTypes } from "../agent-event-types.ts";

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

const typeName = (schema: JsonSchema): string => {
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" \\| ");
  if (schema.anyOf) return schema.anyOf.map(typeName).join(" \\| ");
  if (schema.type === "array") return `${schema.items ? typeName(schema.items) : "unknown"}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(" \\| ");
  return schema.type ?? "any JSON";
};

/** One payload field per row: name, type, required?, description. */
function fieldsTable(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const rows = Object.entries(json.properties ?? {}).map(([name, field]) => {
    const required = json.required?.includes(name) ? "yes" : "no";
    return `| \`${name}\` | ${typeName(field)} | ${required} | ${(field.description ?? "").replace(/\|/g, "\\|")} |`;
  });
  return ["| field | type | required | description |", "|---|---|---|---|", ...rows].join("\n");
}

const appendedByText = {
  you: "you (a person, a UI, a webhook, another processor)",
  agent: "the agent",
  tool: "a tool processor",
  anyone: "anyone (the agent or another processor)",
};

/**
 * The agent's event vocabulary as Markdown, generated from the zod schemas in `events.ts`: each type with
 * its description, who appends it, its payload fields and an example. docs/agent.md embeds it verbatim.
 *
 * @example
 * console.log(renderAgentEventDocs());
 */
export function renderAgentEventDocs(): string {
  return [...agentEventTypes.values()]
    .map((entry) =>
      [
        `### \`${entry.type}\` — ${entry.title}`,
        "",
        entry.description,
        "",
        `Appended by ${appendedByText[entry.appendedBy]}.`,
        "",
        fieldsTable(entry.payload),
        "",
        "```json",
        JSON.stringify({ type: entry.type, payload: entry.example }),
        "```",
      ].join("\n"),
    )
    .join("\n\n");
}

export const docsStartMarker =
  "<!-- agent-events:start (generated from packages/agent/src/events.ts; run: npx node packages/agent/src/docs/write-agent-docs.ts) -->";
export const docsEndMarker = "<!-- agent-events:end -->";

/** `markdown` with the text between the markers replaced by the generated vocabulary. */
export function withGeneratedEventDocs(markdown: string): string {
  const start = markdown.indexOf(docsStartMarker);
  const end = markdown.indexOf(docsEndMarker);
  if (start < 0 || end < start) throw new Error("docs/agent.md lacks the agent-events markers");
  return `${markdown.slice(0, start + docsStartMarker.length)}\n\n${renderAgentEventDocs()}\n\n${markdown.slice(end)}`;
}
