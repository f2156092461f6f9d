import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedItem } from "../feed-kind.ts";
import { card, codeBlock } from "../feed-card.ts";

interface ToolItem extends FeedItem {
  callId: string;
  name: string;
  /** The parsed arguments, or the raw text when they were not JSON. */
  input: unknown;
  status: "running" | "ok" | "error";
  output: string;
}

/** A tool call and its result as one card, keyed by call id: it is running until the result arrives. */
export const agentToolKind = defineFeedKind<ToolItem>({
  name: "agent-tool",
  types: ["agent-tool-call-requested", "agent-tool-call-completed"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    const callId = text(payload.callId);
    const key = `tool:${callId}`;
    const found = feed.get<ToolItem>(key);
    const call: ToolItem = found
      ? withEvent(found, event)
      : { ...itemFrom(event, "agent-tool", key), callId, name: text(payload.name), input: undefined, status: "running", output: "" };
    if (event.type === "agent-tool-call-requested") {
      return feed.put({ ...call, name: text(payload.name), input: payload.input ?? payload.arguments });
    }
    // The first result for a call counts, as for the agent.
    if (call.status !== "running") return;
    feed.put({ ...call, name: call.name || text(payload.name), status: payload.isError === true ? "error" : "ok", output: text(payload.output) });
  },
  render: (item, context) =>
    card(item, context, {
      tone: item.status === "error" ? "error" : "tool",
      icon: "tool",
      title: [h("code", null, item.name), " ", h("span", { class: `tool-status ${item.status}` }, item.status === "running" ? "running…" : item.status === "ok" ? "done" : "failed")],
      body: [
        item.input === undefined ? null : typeof item.input === "string" ? h("pre", { class: "code tool-args" }, item.input) : h("div", { class: "tool-args" }, context.yaml(item.input)),
        item.status === "running" ? null : h("div", { class: "tool-result" }, codeBlock(item.output || "(no output)", { previewLines: 10 })),
      ],
    }),
});
