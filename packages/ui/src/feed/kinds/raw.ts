import type { StoredEvent } from "@tributary/protocol";
import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, type FeedItem } from "../feed-kind.ts";
import { meta } from "../feed-card.ts";
import { oneLine } from "../../views/format.ts";

interface RawItem extends FeedItem {
  event: StoredEvent;
}

/** The fallback for every type no kind claims: one compact line with the type and the payload. */
export const rawKind = defineFeedKind<RawItem>({
  name: "raw",
  reduce: (event, feed) => feed.put({ ...itemFrom(event, "raw"), event } as RawItem),
  render: (item, context) =>
    h(
      "div",
      { class: "feed-raw", dataset: { kind: "raw" } },
      meta(item, context),
      Object.keys(item.event.payload ?? {}).length > 0 ? h("code", { class: "raw-payload" }, oneLine(item.event.payload, 240)) : null,
    ),
});
