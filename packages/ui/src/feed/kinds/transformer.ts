import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { card } from "../feed-card.ts";

interface TransformerItem extends FeedItem {
  slug: string;
  removed: boolean;
  matcher: string;
  transform: string;
}

/** JSON transformers: the JSONata matcher and transform that turn matching events into new ones. */
export const transformerKind = defineFeedKind<TransformerItem>({
  name: "transformer",
  types: ["transformer/configured", "transformer/removed"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    feed.put({
      ...itemFrom(event, "transformer"),
      slug: text(payload.slug),
      removed: event.type === "transformer/removed",
      matcher: text(payload.matcher),
      transform: text(payload.transform),
    } as TransformerItem);
  },
  render: (item, context) =>
    item.removed
      ? card(item, context, { tone: "config", icon: "swap", title: ["Transformer ", h("code", null, item.slug), " removed"] })
      : card(item, context, {
          tone: "config",
          icon: "swap",
          title: ["Transformer ", h("code", null, item.slug)],
          body: h(
            "dl",
            { class: "facts" },
            h("dt", null, "when"),
            h("dd", null, h("code", null, item.matcher)),
            h("dt", null, "appends"),
            h("dd", null, h("code", null, item.transform)),
          ),
        }),
});
