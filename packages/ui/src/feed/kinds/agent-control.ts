import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { notice } from "../feed-card.ts";

interface ControlItem extends FeedItem {
  payload: Record<string, unknown>;
}

/**
 * How the agent is steered and kept honest on long tasks: stops and steering inputs, retried requests,
 * tool calls taken by their process, refused sub-agents, and the one-agent-per-stream lease. One line each.
 */
export const agentControlKind = defineFeedKind<ControlItem>({
  name: "agent-control",
  types: [
    "agent-run-stop-requested",
    "agent-input-steered",
    "agent-request-retried",
    "agent-tool-call-started",
    "agent-subagent-refused",
    "agent-lease-acquired",
    "agent-lease-released",
  ],
  reduce: (event, feed) => feed.put({ ...itemFrom(event, "agent-control"), payload: record(event.payload) } as ControlItem),
  render: (item, context) => {
    const p = item.payload;
    switch (item.types[0]) {
      case "agent-run-stop-requested":
        return notice(item, context, {
          tone: "warn",
          icon: "pause",
          message: "Stop requested",
          detail: text(p.reason) || (p.inputOffset ? `the run of input #${String(p.inputOffset)}` : "the current run"),
        });
      case "agent-input-steered":
        return notice(item, context, {
          tone: "info",
          icon: "send",
          message: "Steering the run",
          detail: `input #${String(p.inputOffset)} joins the run of #${String(p.runInputOffset)} at its next turn`,
        });
      case "agent-request-retried":
        return notice(item, context, {
          tone: "warn",
          icon: "clock",
          message: `Retrying request ${text(p.requestId)} (attempt ${String(p.attempt)})`,
          detail: `in ${String(p.delayMs)} ms · ${text(p.error)}`,
        });
      case "agent-tool-call-started":
        return notice(item, context, { tone: "tool", icon: "tool", message: `${text(p.name)} took the call`, detail: text(p.callId) });
      case "agent-subagent-refused":
        return notice(item, context, {
          tone: "warn",
          icon: "warning",
          message: "Sub-agent refused",
          detail: `depth ${String(p.depth)} is past the limit of ${String(p.maxDepth)}`,
        });
      case "agent-lease-acquired":
        return notice(item, context, {
          tone: "config",
          icon: "bolt",
          message: `Agent ${text(p.holder).slice(0, 8)} holds the stream`,
          detail: `epoch ${String(p.epoch)}, heartbeat within ${String(p.ttlMs)} ms`,
        });
      default:
        return notice(item, context, {
          tone: "config",
          icon: "dot",
          message: `Agent ${text(p.holder).slice(0, 8)} let the stream go`,
          detail: `epoch ${String(p.epoch)}`,
        });
    }
  },
});
