import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { card, codeBlock, notice } from "../feed-card.ts";
import { formatUsage } from "../../views/format-usage.ts";

interface RunItem extends FeedItem {
  payload: Record<string, unknown>;
}

/**
 * The agent's bookkeeping around runs: a run's end (how it went, its usage), an imported session, the
 * price table, context other processors added, and compaction of the history.
 */
export const agentRunKind = defineFeedKind<RunItem>({
  name: "agent-run",
  types: [
    "agent-run-ended",
    "agent-session-imported",
    "agent-prices-configured",
    "agent-context-added",
    "agent-compaction-started",
    "agent-history-compacted",
    "agent-compaction-failed",
  ],
  reduce: (event, feed) => feed.put({ ...itemFrom(event, "agent-run"), payload: record(event.payload) } as RunItem),
  render: (item, context) => {
    const { payload } = item;
    switch (item.types[0]) {
      case "agent-run-ended": {
        const outcome = text(payload.outcome);
        const turns = Number(payload.turns) || 0;
        const answered = outcome === "answered";
        return notice(item, context, {
          tone: answered ? "ok" : "warn",
          icon: answered ? "dot" : "warning",
          message: `Run ${outcome || "ended"}`,
          detail: [
            `${turns} turn${turns === 1 ? "" : "s"} for input #${String(payload.inputOffset)}`,
            payload.usage ? ` · ${formatUsage(record(payload.usage))}` : "",
            !answered && payload.text ? ` · ${text(payload.text)}` : "",
          ].join(""),
        });
      }
      case "agent-session-imported":
        return notice(item, context, {
          tone: "info",
          icon: "plus",
          message: `Imported from a ${payload.source === "pi" ? "pi" : "Claude Code"} session`,
          detail: [text(payload.file), payload.cwd ? `in ${text(payload.cwd)}` : "", `${String(payload.steps)} messages`].filter(Boolean).join(" · "),
        });
      case "agent-prices-configured":
        return notice(item, context, { tone: "info", icon: "dot", message: "Prices configured", detail: Object.keys(record(payload.models)).join(", ") });
      case "agent-context-added":
        return card(item, context, {
          tone: "info",
          icon: "spark",
          title: ["Context", payload.source ? [" from ", h("code", null, text(payload.source))] : null],
          body: codeBlock(text(payload.content), { previewLines: 6 }),
        });
      case "agent-compaction-started":
        return notice(item, context, {
          tone: "info",
          icon: "swap",
          message: "Compacting the history",
          detail: `about ${String(payload.estimatedTokens)} tokens, over the budget of ${String(payload.budgetTokens)}`,
        });
      case "agent-history-compacted":
        return card(item, context, {
          tone: "info",
          icon: "swap",
          title: `History compacted up to #${String(payload.throughOffset)}`,
          body: codeBlock(text(payload.summary), { previewLines: 8 }),
        });
      default:
        return card(item, context, {
          tone: "error",
          icon: "warning",
          title: "Compaction failed",
          body: h("p", { class: "error-message" }, text(payload.message)),
        });
    }
  },
});
