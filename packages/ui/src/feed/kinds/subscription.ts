import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { card } from "../feed-card.ts";

interface SubscriptionItem extends FeedItem {
  slug: string;
  removed: boolean;
  url: string;
  filter: string;
  secretName: string;
  /** The event types the subscription delivers (`types` holds the item's own event types). */
  delivers: string[];
}

/** Push subscriptions (webhooks): where events go and which; delivery failures are drawn as errors. */
export const subscriptionKind = defineFeedKind<SubscriptionItem>({
  name: "subscription",
  types: ["subscription/configured", "subscription/removed"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    feed.put({
      ...itemFrom(event, "subscription"),
      slug: text(payload.slug),
      removed: event.type === "subscription/removed",
      url: text(payload.url),
      filter: text(payload.filter),
      secretName: text(payload.secretName),
      delivers: Array.isArray(payload.types) ? payload.types.map(String) : [],
    } as SubscriptionItem);
  },
  render: (item, context) =>
    item.removed
      ? card(item, context, { tone: "config", icon: "send", title: ["Webhook ", h("code", null, item.slug), " removed"] })
      : card(item, context, {
          tone: "config",
          icon: "send",
          title: ["Webhook ", h("code", null, item.slug)],
          body: h(
            "dl",
            { class: "facts" },
            h("dt", null, "POSTs to"),
            h("dd", null, h("code", null, item.url)),
            h("dt", null, "events"),
            h("dd", null, item.delivers.length > 0 ? item.delivers.map((type) => context.typeLink(type)) : "all"),
            item.filter ? [h("dt", null, "filter"), h("dd", null, h("code", null, item.filter))] : null,
            item.secretName ? [h("dt", null, "signed with"), h("dd", null, h("code", null, item.secretName))] : null,
          ),
        }),
});
