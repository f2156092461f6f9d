/** The parts of a model request that a script can match on, for both wire formats. */
export interface RequestSummary {
  api: "chat" | "responses";
  model: string;
  stream: boolean;
  system: string;
  lastUser: string;
  lastMessage: string;
  tools: string[];
  includeUsage: boolean;
}

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});

/** The text of a message's `content`: a string, or an array of parts with `text`. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        const record = asRecord(part);
        return typeof record.text === "string" ? record.text : typeof record.refusal === "string" ? record.refusal : "";
      })
      .join("");
  }
  return "";
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool) => {
    const record = asRecord(tool);
    const fn = asRecord(record.function);
    return String(fn.name ?? record.name ?? "");
  });
}

/** Summarizes a Chat Completions request body. */
export function summarizeChatRequest(body: Json): RequestSummary {
  const messages = Array.isArray(body.messages) ? body.messages.map(asRecord) : [];
  const system = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => contentText(m.content))
    .join("\n");
  const users = messages.filter((m) => m.role === "user");
  const last = messages.at(-1);
  return {
    api: "chat",
    model: String(body.model ?? ""),
    stream: body.stream === true,
    system,
    lastUser: contentText(users.at(-1)?.content),
    lastMessage: last ? contentText(last.content) : "",
    tools: toolNames(body.tools),
    includeUsage: asRecord(body.stream_options).include_usage === true,
  };
}

/** The text of one Responses API input item (a message, a function call or its output). */
function itemText(item: Json): string {
  if (item.type === "function_call_output") return typeof item.output === "string" ? item.output : contentText(item.output);
  if (item.type === "function_call") return String(item.arguments ?? "");
  return contentText(item.content);
}

/** Summarizes a Responses API request body (`input` is a string or a list of items). */
export function summarizeResponsesRequest(body: Json): RequestSummary {
  const items = typeof body.input === "string" ? [{ role: "user", content: body.input }] : Array.isArray(body.input) ? body.input.map(asRecord) : [];
  const systemItems = items.filter((item) => item.role === "system" || item.role === "developer").map((item) => itemText(item));
  const instructions = typeof body.instructions === "string" ? [body.instructions] : [];
  const users = items.filter((item) => item.role === "user");
  const last = items.at(-1);
  return {
    api: "responses",
    model: String(body.model ?? ""),
    stream: body.stream === true,
    system: [...instructions, ...systemItems].join("\n"),
    lastUser: users.length > 0 ? itemText(users.at(-1)!) : "",
    lastMessage: last ? itemText(last) : "",
    tools: toolNames(body.tools),
    includeUsage: true,
  };
}
