import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedItem, type FeedRenderContext } from "../feed-kind.ts";
import { card, codeBlock } from "../feed-card.ts";

interface ToolItem extends FeedItem {
  callId: string;
  name: string;
  /** The parsed arguments, or the raw text when they were not JSON. */
  input: unknown;
  /** awaiting: its policy is `ask` and nobody answered yet; denied: it never ran. */
  status: "awaiting" | "running" | "ok" | "error" | "denied";
  output: string;
  /** Who approved or denied it, and why. */
  answer: string;
}

const statusLabel: Record<ToolItem["status"], string> = { awaiting: "waits for approval", running: "running…", ok: "done", error: "failed", denied: "denied" };

/**
 * A tool call and its result as one card, keyed by call id: it is running until the result arrives. A call
 * under the `ask` policy appears when approval is requested, with Approve and Deny buttons (and a reason the
 * model reads); the buttons append `agent-tool-call-approved` / `-denied`, like any other client could.
 */
export const agentToolKind = defineFeedKind<ToolItem>({
  name: "agent-tool",
  types: ["agent-tool-call-approval-requested", "agent-tool-call-approved", "agent-tool-call-denied", "agent-tool-call-requested", "agent-tool-call-completed"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    const callId = text(payload.callId);
    const key = `tool:${callId}`;
    const found = feed.get<ToolItem>(key);
    const call: ToolItem = found
      ? withEvent(found, event)
      : { ...itemFrom(event, "agent-tool", key), callId, name: text(payload.name), input: undefined, status: "running", output: "", answer: "" };
    const by = text(payload.by) ? ` by ${text(payload.by)}` : "";
    switch (event.type) {
      case "agent-tool-call-approval-requested":
        return feed.put({ ...call, name: text(payload.name), input: payload.input ?? payload.arguments, status: found ? call.status : "awaiting" });
      case "agent-tool-call-approved":
        return feed.put(call.status === "awaiting" ? { ...call, status: "running", answer: `approved${by}` } : call);
      case "agent-tool-call-denied":
        return feed.put(
          call.status === "awaiting" || call.status === "running"
            ? { ...call, status: "denied", answer: `denied${by}${text(payload.reason) ? `: ${text(payload.reason)}` : ""}` }
            : call,
        );
      case "agent-tool-call-requested":
        return feed.put({ ...call, name: text(payload.name), input: payload.input ?? payload.arguments });
    }
    // The first result for a call counts, as for the agent.
    if (call.status !== "running" && call.status !== "awaiting") return feed.put(call);
    feed.put({ ...call, name: call.name || text(payload.name), status: payload.isError === true ? "error" : "ok", output: text(payload.output) });
  },
  render: (item, context) =>
    card(item, context, {
      tone: item.status === "error" || item.status === "denied" ? "error" : item.status === "awaiting" ? "warn" : "tool",
      icon: "tool",
      title: [h("code", null, item.name), " ", h("span", { class: `tool-status ${item.status}` }, statusLabel[item.status])],
      body: [
        item.input === undefined
          ? null
          : typeof item.input === "string"
            ? h("pre", { class: "code tool-args" }, item.input)
            : h("div", { class: "tool-args" }, context.yaml(item.input)),
        item.status === "awaiting" ? approvalForm(item, context) : null,
        item.answer ? h("p", { class: "tool-answer muted" }, item.answer) : null,
        item.status === "ok" || item.status === "error"
          ? h("div", { class: "tool-result" }, codeBlock(item.output || "(no output)", { previewLines: 10 }))
          : null,
      ],
    }),
});

/** Approve / Deny, and a reason for a denial; both disable themselves once sent (the stream shows the answer). */
function approvalForm(item: ToolItem, context: FeedRenderContext): HTMLElement {
  const reason = h("input", {
    class: "approval-reason",
    type: "text",
    placeholder: "Reason (the model reads it)",
    "aria-label": `Reason to deny ${item.name}`,
  });
  const status = h("span", { class: "approval-status muted", role: "status" });
  const buttons: HTMLButtonElement[] = [];
  const answer = (type: string, payload: Record<string, unknown>) => {
    if (!context.append) return;
    for (const button of buttons) button.disabled = true;
    context.append({ type, payload: { callId: item.callId, by: "ui", ...payload } }).catch((error: unknown) => {
      status.textContent = `Could not send: ${(error as Error).message}`;
      for (const button of buttons) button.disabled = false;
    });
  };
  buttons.push(
    h("button", { class: "primary approve-button", type: "button", onclick: () => answer("agent-tool-call-approved", {}) }, "Approve"),
    h(
      "button",
      {
        class: "danger deny-button",
        type: "button",
        onclick: () => answer("agent-tool-call-denied", reason.value.trim() ? { reason: reason.value.trim() } : {}),
      },
      "Deny",
    ),
  );
  return h("div", { class: "approval-form" }, buttons, reason, status);
}
