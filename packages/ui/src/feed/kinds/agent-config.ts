import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { card, codeBlock, notice } from "../feed-card.ts";

interface ConfigItem extends FeedItem {
  payload: Record<string, unknown>;
}

const titles: Record<string, string> = {
  "agent-model-changed": "Model",
  "agent-system-prompt-changed": "System prompt",
  "agent-provider-changed": "Provider",
  "agent-settings-changed": "Agent settings",
  "agent-tool-policy-changed": "Tool policies",
  "agent-mcp-servers-configured": "MCP servers",
};

/** The agent's configuration, which is events too: model, system prompt, provider, settings, tool policies, MCP servers. */
export const agentConfigKind = defineFeedKind<ConfigItem>({
  name: "agent-config",
  types: Object.keys(titles),
  reduce: (event, feed) => feed.put({ ...itemFrom(event, "agent-config"), payload: record(event.payload) } as ConfigItem),
  render: (item, context) => {
    const type = item.types[0] ?? "";
    const { payload } = item;
    switch (type) {
      case "agent-model-changed":
        return notice(item, context, { tone: "config", icon: "gear", message: "Model set to", detail: h("code", null, text(payload.model)) });
      case "agent-system-prompt-changed":
        return card(item, context, {
          tone: "config",
          icon: "gear",
          title: titles[type]!,
          body: codeBlock(text(payload.systemPrompt) || "(empty)", { previewLines: 6 }),
        });
      default:
        return card(item, context, { tone: "config", icon: "gear", title: titles[type] ?? type, body: context.yaml(payload) });
    }
  },
});
