import type { StoredEvent } from "@tributary/protocol";
import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, withEvent, type FeedDraft, type FeedItem } from "../feed-kind.ts";
import { card, codeBlock } from "../feed-card.ts";

interface ProcessorItem extends FeedItem {
  slug: string;
  removed: boolean;
  script: string;
  /** True when an earlier deployment of the same slug exists in the feed. */
  redeployed: boolean;
  /** What the server last said about this deployment: loading until `processor/started`. */
  status: "starting" | "running" | "suspended";
  /** The offset of the latest `processor/started`, or the suspension's reason. */
  since?: number;
  reason?: string;
  /** The latest failed call (`stream/error-occurred` naming the slug). */
  lastError?: { offset: number; message: string };
  /** The offset the latest `processor/snapshotted` covers. */
  snapshotOffset?: number;
}

const currentKey = (slug: string) => `processor:current:${slug}`;

/** Hosted processors ("code is an event"): the deployment with its source and how it runs, and removals. */
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
    const item = { ...itemFrom(event, "processor"), slug, removed, script: text(payload.script), redeployed, status: "starting" } as ProcessorItem;
    feed.vars[currentKey(slug)] = removed ? undefined : item.key;
    feed.put(item);
  },
  render: (item, context) =>
    item.removed
      ? card(item, context, { tone: "config", icon: "trash", title: ["Processor ", h("code", null, item.slug), " removed"] })
      : card(item, context, {
          tone: item.status === "suspended" ? "warn" : item.lastError ? "error" : item.status === "running" ? "ok" : "config",
          icon: "gear",
          title: ["Processor ", h("code", null, item.slug), item.redeployed ? " redeployed" : " deployed"],
          body: [
            h("p", { class: "processor-status", dataset: { status: item.status } }, statusLine(item)),
            item.lastError
              ? h(
                  "p",
                  { class: "processor-error" },
                  h("a", { href: context.eventHref(item.lastError.offset) }, `Failed on #${item.lastError.offset}`),
                  `: ${item.lastError.message}`,
                )
              : null,
            h("p", { class: "muted" }, `${item.script.split("\n").length} lines, ${formatBytes(item.script.length)} of JavaScript`),
            codeBlock(item.script, { label: "the source" }),
          ],
        }),
});

function statusLine(item: ProcessorItem): string {
  const snapshot = item.snapshotOffset === undefined ? "" : ` · state snapshotted at #${item.snapshotOffset}`;
  if (item.status === "suspended") return `Suspended: ${item.reason ?? "it failed repeatedly"} (deploy it again to restart it)`;
  if (item.status === "running") return `Running since #${item.since}${snapshot}`;
  return "Starting… (the server loads it into its sandbox)";
}

/**
 * Folds what the server says about a deployment (started, suspended, snapshotted, a failed call) into the
 * deployment's card; the other kinds (processor-status, error) call it. True when a card took the event.
 */
export function noteDeploymentStatus(event: StoredEvent, feed: FeedDraft): boolean {
  const payload = record(event.payload);
  const slug = text(payload.slug);
  const key = feed.vars[currentKey(slug)];
  const item = typeof key === "string" ? feed.get<ProcessorItem>(key) : undefined;
  if (!item) return false;
  // Events about an earlier deployment of the slug (a redeploy's predecessor) are not this card's.
  if (typeof payload.deployedOffset === "number" && payload.deployedOffset !== item.firstOffset) return false;
  const next: ProcessorItem = { ...withEvent(item, event) };
  if (event.type === "processor/started") Object.assign(next, { status: "running", since: event.offset, lastError: undefined });
  else if (event.type === "processor/suspended") Object.assign(next, { status: "suspended", reason: text(payload.reason) });
  else if (event.type === "processor/snapshotted") next.snapshotOffset = typeof payload.offset === "number" ? payload.offset : undefined;
  else if (event.type === "stream/error-occurred")
    next.lastError = { offset: typeof payload.offset === "number" ? payload.offset : event.offset, message: text(payload.message) };
  else return false;
  feed.put(next);
  return true;
}

function formatBytes(length: number): string {
  return length < 2048 ? `${length} B` : `${(length / 1024).toFixed(1)} KB`;
}
