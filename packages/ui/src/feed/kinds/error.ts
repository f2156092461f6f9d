import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { card } from "../feed-card.ts";

interface ErrorItem extends FeedItem {
  title: string;
  /** A body that was not an event is a warning: webhooks post such bodies on purpose, and transformers read them. */
  tone: "error" | "warn";
  message: string;
  details: Record<string, unknown>;
}

/**
 * Errors, which are events here: a processor's failure, a body that was not an event, a webhook delivery
 * that failed. Agent-side failures are drawn by the agent kinds.
 */
export const errorKind = defineFeedKind<ErrorItem>({
  name: "error",
  types: ["stream/error-occurred", "stream/invalid-event-appended", "subscription/delivery-failed"],
  reduce: (event, feed) => {
    const { message, error, ...details } = record(event.payload);
    const title =
      event.type === "stream/invalid-event-appended"
        ? "Invalid event appended"
        : event.type === "subscription/delivery-failed"
          ? `Webhook ${text(details.slug)} delivery failed`
          : text(details.processor)
            ? `Processor ${text(details.processor)} failed`
            : "Error";
    const tone = event.type === "stream/invalid-event-appended" ? "warn" : "error";
    feed.put({ ...itemFrom(event, "error"), title, tone, message: text(message) || text(error), details } as ErrorItem);
  },
  render: (item, context) =>
    card(item, context, {
      tone: item.tone,
      icon: "warning",
      title: item.title,
      body: [h("p", { class: "error-message" }, item.message), Object.keys(item.details).length > 0 ? context.yaml(item.details) : null],
    }),
});
