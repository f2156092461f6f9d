import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { meta } from "../feed-card.ts";

interface ChatItem extends FeedItem {
  role: string;
  content: string;
}

/** Chat bubbles: a person's input to the agent. */
export const chatKind = defineFeedKind<ChatItem>({
  name: "chat",
  types: ["agent-input-added"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    feed.put({ ...itemFrom(event, "chat"), role: text(payload.role) || "user", content: text(payload.content) } as ChatItem);
  },
  render: (item, context) =>
    h(
      "div",
      { class: `chat-row role-${item.role}`, dataset: { kind: "chat", role: item.role } },
      h("div", { class: "bubble" }, h("div", { class: "bubble-text" }, item.content)),
      meta(item, context),
    ),
});
