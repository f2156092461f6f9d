import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedItem } from "../feed-kind.ts";
import { meta } from "../feed-card.ts";

interface ReplyItem extends FeedItem {
  requestId: string;
  model: string;
  turn: number;
  status: "waiting" | "streaming" | "done" | "failed" | "cancelled";
  text: string;
  /** Tool calls as the model streams them, by index; complete once the output is. */
  toolCalls: { name: string; arguments: string }[];
  /** Why it failed or was cancelled. */
  reason: string;
  usage: string;
}

/**
 * The model's answer to one request as an assistant bubble, keyed by request id: it appears when the
 * request is announced, grows with every `agent-output-chunk-received` (the streaming text), and settles
 * on the completed output, a failure or a cancellation.
 */
export const agentReplyKind = defineFeedKind<ReplyItem>({
  name: "agent-reply",
  types: [
    "agent-context-window-opened",
    "agent-request-started",
    "agent-output-chunk-received",
    "agent-output-completed",
    "agent-request-failed",
    "agent-request-cancelled",
  ],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    const requestId = text(payload.requestId);
    const key = `reply:${requestId}`;
    const found = feed.get<ReplyItem>(key);
    const reply: ReplyItem = found
      ? withEvent(found, event)
      : { ...itemFrom(event, "agent-reply", key), requestId, model: "", turn: 0, status: "waiting", text: "", toolCalls: [], reason: "", usage: "" };
    switch (event.type) {
      case "agent-context-window-opened":
        return feed.put({ ...reply, turn: Number(payload.turn) || reply.turn });
      case "agent-request-started":
        return feed.put({ ...reply, status: "streaming", model: text(payload.model), turn: Number(payload.turn) || reply.turn });
      case "agent-output-chunk-received": {
        const toolCalls = [...reply.toolCalls];
        for (const delta of Array.isArray(payload.toolCalls) ? payload.toolCalls.map(record) : []) {
          if (typeof delta.index !== "number" || delta.index < 0 || delta.index > 128) continue;
          const call = toolCalls[delta.index] ?? { name: "", arguments: "" };
          toolCalls[delta.index] = { name: call.name || text(delta.name), arguments: call.arguments + text(delta.argumentsDelta) };
        }
        return feed.put({ ...reply, status: "streaming", text: reply.text + text(payload.text), toolCalls });
      }
      case "agent-output-completed": {
        const usage = record(payload.usage);
        const calls = Array.isArray(payload.toolCalls) ? payload.toolCalls.map(record) : [];
        return feed.put({
          ...reply,
          status: "done",
          text: text(payload.text),
          toolCalls: calls.map((call) => ({ name: text(call.name), arguments: text(call.arguments) })),
          usage: typeof usage.inputTokens === "number" ? `${usage.inputTokens} → ${String(usage.outputTokens)} tokens` : "",
        });
      }
      case "agent-request-failed":
        return feed.put({ ...reply, status: "failed", reason: text(payload.message) });
      default:
        return feed.put({ ...reply, status: "cancelled", reason: text(payload.reason) });
    }
  },
  render: (item, context) => {
    const live = item.status === "waiting" || item.status === "streaming";
    const onlyTools = item.text === "" && item.toolCalls.length > 0;
    const status =
      item.status === "waiting"
        ? "Waiting for context…"
        : item.status === "failed"
          ? `Failed: ${item.reason}`
          : item.status === "cancelled"
            ? `Cancelled: ${item.reason}`
            : item.usage;
    return h(
      "div",
      { class: `chat-row role-assistant`, dataset: { kind: "agent-reply", status: item.status } },
      h("span", { class: "bubble-role" }, [item.model || "model", item.turn > 1 ? `turn ${item.turn}` : ""].filter(Boolean).join(" · ")),
      h(
        "div",
        { class: `bubble${live ? " streaming" : ""}${item.status === "failed" ? " failed" : ""}${onlyTools ? " tools-only" : ""}` },
        item.text
          ? h("div", { class: "bubble-text" }, context.markdown(item.text))
          : !onlyTools
            ? h("div", { class: "bubble-text" }, live ? "" : "(no text)")
            : null,
        item.toolCalls.length > 0
          ? h(
              "div",
              { class: "bubble-tools" },
              item.toolCalls.map((call) => h("code", { class: "tool-chip", title: call.arguments }, `${call.name || "tool"}(${short(call.arguments)})`)),
            )
          : null,
        status ? h("div", { class: "bubble-status" }, status) : null,
      ),
      meta(item, context),
    );
  },
});

function short(argumentsText: string): string {
  return argumentsText.length > 60 ? `${argumentsText.slice(0, 59)}…` : argumentsText;
}
