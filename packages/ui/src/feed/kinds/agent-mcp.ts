import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedItem } from "../feed-kind.ts";
import { codeBlock, notice } from "../feed-card.ts";

interface McpItem extends FeedItem {
  payload: Record<string, unknown>;
  /** For stderr: the text of consecutive stderr events of one server, joined. */
  stderr: string;
}

const stderrVar = "agent-mcp:stderr";

/**
 * MCP servers coming and going: connected (with its tools), gone, failed or refused, one line each; what a
 * server writes to stderr as one expandable block per run of consecutive events.
 */
export const agentMcpKind = defineFeedKind<McpItem>({
  name: "agent-mcp",
  types: ["agent-mcp-server-connected", "agent-mcp-server-disconnected", "agent-mcp-server-failed", "agent-mcp-server-stderr"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    if (event.type !== "agent-mcp-server-stderr") {
      feed.vars[stderrVar] = undefined;
      return feed.put({ ...itemFrom(event, "agent-mcp"), payload, stderr: "" } as McpItem);
    }
    const open = feed.vars[stderrVar] as { key: string; lastOffset: number; name: string } | undefined;
    const previous = open && open.lastOffset === event.offset - 1 && open.name === text(payload.name) ? feed.get<McpItem>(open.key) : undefined;
    const item: McpItem = previous
      ? { ...withEvent(previous, event), stderr: previous.stderr + text(payload.text) }
      : { ...itemFrom(event, "agent-mcp"), payload, stderr: text(payload.text) };
    feed.vars[stderrVar] = { key: item.key, lastOffset: event.offset, name: text(payload.name) };
    feed.put(item);
  },
  render: (item, context) => {
    const p = item.payload;
    const name = h("code", null, text(p.name));
    switch (item.types[0]) {
      case "agent-mcp-server-connected": {
        const tools = Array.isArray(p.tools) ? p.tools.map(text) : [];
        return notice(item, context, {
          tone: "config",
          icon: "tool",
          message: ["MCP server ", name, " connected"],
          detail: `${text(p.transport)}${text(p.server) ? ` · ${text(p.server)}` : ""} · ${tools.length} tools`,
        });
      }
      case "agent-mcp-server-disconnected":
        return notice(item, context, { tone: "warn", icon: "warning", message: ["MCP server ", name, " went away"], detail: text(p.reason) });
      case "agent-mcp-server-failed":
        return notice(item, context, {
          tone: "error",
          icon: "warning",
          message: ["MCP server ", name, p.refused === true ? " refused" : " failed"],
          detail: text(p.message),
        });
      default:
        return notice(item, context, {
          tone: "info",
          icon: "dot",
          message: ["MCP server ", name, " stderr"],
          detail: codeBlock(item.stderr, { previewLines: 3 }),
        });
    }
  },
});
