import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedItem } from "../feed-kind.ts";
import { card } from "../feed-card.ts";
import { noteDeploymentStatus } from "./processor.ts";

interface ErrorItem extends FeedItem {
  title: string;
  /** A body that was not an event is a warning: webhooks post such bodies on purpose, and transformers read them. */
  tone: "error" | "warn";
  message: string;
  details: Record<string, unknown>;
  /** How many failures this item stands for: a repeated one (a webhook's retries) is one item with a count. */
  count: number;
}

/**
 * Errors, which are events here: a processor's failure, a body that was not an event, a webhook delivery
 * that failed. Agent-side failures are drawn by the agent kinds. A failure like the previous one (same
 * type, source and message: a webhook retrying) joins its item and raises its count instead of adding a card.
 */
export const errorKind = defineFeedKind<ErrorItem>({
  name: "error",
  types: ["stream/error-occurred", "stream/invalid-event-appended", "subscription/delivery-failed"],
  reduce: (event, feed) => {
    const { message, error, ...details } = record(event.payload);
    // A hosted processor's failure (it names itself as processor and slug) also shows on its deployment's card.
    if (event.type === "stream/error-occurred" && text(details.processor) !== "" && details.processor === details.slug) noteDeploymentStatus(event, feed);
    const title =
      event.type === "stream/invalid-event-appended"
        ? "Invalid event appended"
        : event.type === "subscription/delivery-failed"
          ? `Webhook ${text(details.slug)} delivery failed`
          : text(details.processor)
            ? `Processor ${text(details.processor)} failed`
            : "Error";
    const tone = event.type === "stream/invalid-event-appended" ? "warn" : "error";
    const failure = text(message) || text(error);
    const signature = `${event.type}|${text(details.slug)}|${text(details.processor)}|${failure}`;
    const previous = feed.vars["error:last"] as { key: string; signature: string } | undefined;
    const grouped = previous?.signature === signature ? feed.get<ErrorItem>(previous.key) : undefined;
    if (grouped && event.type !== "stream/invalid-event-appended") {
      return feed.put({ ...withEvent(grouped, event), details, count: grouped.count + 1 });
    }
    const item = { ...itemFrom(event, "error"), title, tone, message: failure, details, count: 1 } as ErrorItem;
    feed.vars["error:last"] = { key: item.key, signature };
    feed.put(item);
  },
  render: (item, context) =>
    card(item, context, {
      tone: item.tone,
      icon: "warning",
      title: item.count > 1 ? [item.title, " ", h("span", { class: "feed-count", title: `${item.count} times` }, `×${item.count}`)] : item.title,
      body: [h("p", { class: "error-message" }, item.message), Object.keys(item.details).length > 0 ? context.yaml(item.details) : null],
    }),
});
