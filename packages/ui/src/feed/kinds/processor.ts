import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { card, codeBlock } from "../feed-card.ts";

interface ProcessorItem extends FeedItem {
  slug: string;
  removed: boolean;
  script: string;
  /** True when an earlier deployment of the same slug exists in the feed. */
  redeployed: boolean;
}

/** Hosted processors ("code is an event"): the deployment with its source, and removals. */
export const processorKind = defineFeedKind<ProcessorItem>({
  name: "processor",
  types: ["processor/deployed", "processor/removed"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    const slug = text(payload.slug);
    const deployedVar = `processor:deployed:${slug}`;
    const removed = event.type === "processor/removed";
    const redeployed = !removed && feed.vars[deployedVar] === true;
    feed.vars[deployedVar] = !removed;
    feed.put({ ...itemFrom(event, "processor"), slug, removed, script: text(payload.script), redeployed } as ProcessorItem);
  },
  render: (item, context) =>
    item.removed
      ? card(item, context, { tone: "config", icon: "trash", title: ["Processor ", h("code", null, item.slug), " removed"] })
      : card(item, context, {
          tone: "config",
          icon: "gear",
          title: ["Processor ", h("code", null, item.slug), item.redeployed ? " redeployed" : " deployed"],
          body: [
            h("p", { class: "muted" }, `${item.script.split("\n").length} lines, ${formatBytes(item.script.length)} of JavaScript`),
            codeBlock(item.script, { label: "the source" }),
          ],
        }),
});

function formatBytes(length: number): string {
  return length < 2048 ? `${length} B` : `${(length / 1024).toFixed(1)} KB`;
}
