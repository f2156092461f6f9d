import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedItem } from "../feed-kind.ts";
import { meta, notice } from "../feed-card.ts";

interface InputItem extends FeedItem {
  role: string;
  content: string;
  /** The input it waits behind, once the agent queued it. */
  queuedBehind: number;
}

/** A person's message to the agent (`agent-input-added`) as a chat bubble; queueing marks the bubble. */
export const agentInputKind = defineFeedKind<InputItem>({
  name: "agent-input",
  types: ["agent-input-added", "agent-input-queued"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    if (event.type === "agent-input-added") {
      return feed.put({
        ...itemFrom(event, "agent-input", `input:${event.offset}`),
        role: text(payload.role) || "user",
        content: text(payload.content),
        queuedBehind: 0,
      } as InputItem);
    }
    const behind = Number(payload.behindInputOffset) || 0;
    const input = feed.get<InputItem>(`input:${String(payload.inputOffset)}`);
    // The input itself may lie before the events the UI holds: then the queueing is a notice of its own.
    if (!input) return feed.put({ ...itemFrom(event, "agent-input"), role: "user", content: "", queuedBehind: behind } as InputItem);
    feed.put({ ...withEvent(input, event), queuedBehind: behind });
  },
  render: (item, context) =>
    item.types[0] === "agent-input-queued"
      ? notice(item, context, { tone: "info", icon: "clock", message: "Input queued", detail: `behind the input #${item.queuedBehind}` })
      : h(
          "div",
          { class: `chat-row role-${item.role}`, dataset: { kind: "agent-input", role: item.role } },
          item.role === "user" ? null : h("span", { class: "bubble-role" }, item.role),
          h("div", { class: "bubble" }, h("div", { class: "bubble-text" }, item.content)),
          item.queuedBehind ? h("div", { class: "bubble-status" }, `Queued behind the input #${item.queuedBehind}`) : null,
          meta(item, context),
        ),
});
