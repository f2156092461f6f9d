import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedItem } from "../feed-kind.ts";
import { card, notice } from "../feed-card.ts";

interface ToolsItem extends FeedItem {
  withdrawn: boolean;
  tools: readonly { name: string; description: string; parameters: unknown }[];
}

const groupVar = "agent-tools:group";

/**
 * Tools offered to the agent. Tool processors announce their tools one event each, usually all at once on
 * start: consecutive announcements become one item, so five tools are one card, not five.
 */
export const agentToolsKind = defineFeedKind<ToolsItem>({
  name: "agent-tools",
  types: ["agent-tool-announced", "agent-tool-withdrawn"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    const tool = { name: text(payload.name), description: text(payload.description), parameters: payload.parameters };
    if (event.type === "agent-tool-withdrawn") {
      feed.vars[groupVar] = undefined;
      return feed.put({ ...itemFrom(event, "agent-tools"), withdrawn: true, tools: [tool] });
    }
    const group = feed.vars[groupVar] as { key: string; lastOffset: number } | undefined;
    const open = group && group.lastOffset === event.offset - 1 ? feed.get<ToolsItem>(group.key) : undefined;
    const item: ToolsItem = open
      ? { ...withEvent(open, event), tools: [...open.tools.filter((known) => known.name !== tool.name), tool] }
      : { ...itemFrom(event, "agent-tools"), withdrawn: false, tools: [tool] };
    feed.vars[groupVar] = { key: item.key, lastOffset: event.offset };
    feed.put(item);
  },
  render: (item, context) =>
    item.withdrawn
      ? notice(item, context, { tone: "config", icon: "tool", message: "Tool withdrawn", detail: h("code", null, item.tools[0]?.name ?? "") })
      : card(item, context, {
          tone: "config",
          icon: "tool",
          title: item.tools.length === 1 ? ["Tool ", h("code", null, item.tools[0]!.name), " available"] : `${item.tools.length} tools available`,
          body: [
            h(
              "div",
              { class: "bubble-tools" },
              item.tools.map((tool) => h("code", { class: "tool-chip", title: tool.description }, tool.name)),
            ),
            h(
              "details",
              null,
              h("summary", { class: "muted" }, "Descriptions and parameters"),
              item.tools.map((tool) =>
                h("div", { class: "tool-doc" }, h("p", null, h("code", null, tool.name), " ", tool.description), context.yaml(tool.parameters)),
              ),
            ),
          ],
        }),
});
