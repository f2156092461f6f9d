import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { notice } from "../feed-card.ts";
import { noteDeploymentStatus } from "./processor.ts";

interface ProcessorStatusItem extends FeedItem {
  slug: string;
  message: string;
  detail: string;
}

/**
 * A hosted processor's life after its deployment: started, a log line, suspended (after repeated failures).
 * Each also updates the deployment's card; a snapshot only does that (its state is no news to a reader).
 */
export const processorStatusKind = defineFeedKind<ProcessorStatusItem>({
  name: "processor-status",
  types: ["processor/started", "processor/logged", "processor/suspended", "processor/snapshotted"],
  reduce: (event, feed) => {
    noteDeploymentStatus(event, feed);
    if (event.type === "processor/snapshotted") return;
    const payload = record(event.payload);
    const slug = text(payload.slug);
    const message =
      event.type === "processor/started"
        ? `Processor ${slug} started`
        : event.type === "processor/suspended"
          ? `Processor ${slug} suspended`
          : `Processor ${slug} logged`;
    const detail = text(payload.reason) || text(payload.message) || text(payload.line) || text(payload.text);
    feed.put({ ...itemFrom(event, "processor-status"), slug, message, detail } as ProcessorStatusItem);
  },
  render: (item, context) =>
    notice(item, context, {
      tone: item.types[0] === "processor/suspended" ? "warn" : item.types[0] === "processor/started" ? "ok" : "info",
      icon: item.types[0] === "processor/suspended" ? "pause" : "gear",
      message: item.message,
      detail: item.detail,
    }),
});
