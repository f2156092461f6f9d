import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { notice, type Tone } from "../feed-card.ts";
import type { IconName } from "../../views/icons.ts";

interface NoticeItem extends FeedItem {
  icon: IconName;
  message: string;
  detail: string;
  /** A stream the notice is about (a child), rendered as a link. */
  path: string;
  tone: Tone;
}

/** One-line notices for the stream's own life: paused, resumed, children created or deleted, forked, the breaker. */
export const streamNoticeKind = defineFeedKind<NoticeItem>({
  name: "notice",
  types: ["stream/paused", "stream/resumed", "stream/child-created", "stream/child-deleted", "stream/forked", "circuit-breaker/configured"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    const base = { ...itemFrom(event, "notice"), detail: "", path: "", tone: "info" as Tone };
    switch (event.type) {
      case "stream/paused":
        return feed.put({ ...base, icon: "pause", message: "Stream paused", detail: text(payload.reason), tone: "warn" } as NoticeItem);
      case "stream/resumed":
        return feed.put({ ...base, icon: "play", message: "Stream resumed", detail: text(payload.reason), tone: "ok" } as NoticeItem);
      case "stream/child-created":
        return feed.put({ ...base, icon: "plus", message: "Child stream created", path: text(payload.childPath) } as NoticeItem);
      case "stream/child-deleted":
        return feed.put({ ...base, icon: "minus", message: "Child stream deleted", path: text(payload.childPath) } as NoticeItem);
      case "stream/forked":
        // The fork's origin: the events above this one are a copy of the source's up to atOffset.
        return feed.put({ ...base, icon: "plus", message: `Forked from offset ${String(payload.atOffset)} of`, path: text(payload.from) } as NoticeItem);
      default:
        return feed.put({
          ...base,
          icon: "bolt",
          message: "Circuit breaker set",
          detail: `pauses the stream past ${String(payload.maxEvents)} events in ${String(payload.windowSeconds)} s`,
        } as NoticeItem);
    }
  },
  render: (item, context) =>
    notice(item, context, { tone: item.tone, icon: item.icon, message: item.message, detail: item.path ? context.streamLink(item.path) : item.detail }),
});
