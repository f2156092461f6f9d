import { h } from "../../dom.ts";
import { defineFeedKind, itemFrom, record, text, type FeedItem } from "../feed-kind.ts";
import { card } from "../feed-card.ts";
import { formatSeconds } from "../../views/format.ts";

interface ScheduleItem extends FeedItem {
  slug: string;
  cancelled: boolean;
  when: string;
  event: Record<string, unknown>;
}

/** Schedules: when an event will be appended, and which; a cancellation is its own item. */
export const scheduleKind = defineFeedKind<ScheduleItem>({
  name: "schedule",
  types: ["schedule/configured", "schedule/cancelled"],
  reduce: (event, feed) => {
    const payload = record(event.payload);
    feed.put({
      ...itemFrom(event, "schedule"),
      slug: text(payload.slug),
      cancelled: event.type === "schedule/cancelled",
      when: describeSchedule(record(payload.schedule)),
      event: record(payload.event),
    } as ScheduleItem);
  },
  render: (item, context) =>
    item.cancelled
      ? card(item, context, { tone: "config", icon: "clock", title: ["Schedule ", h("code", null, item.slug), " cancelled"] })
      : card(item, context, {
          tone: "config",
          icon: "clock",
          title: ["Schedule ", h("code", null, item.slug)],
          body: [
            h("p", null, item.when, " appends ", text(item.event.type) ? context.typeLink(text(item.event.type)) : "an event"),
            Object.keys(record(item.event.payload)).length > 0 ? context.yaml(item.event.payload) : null,
          ],
        }),
});

function describeSchedule(schedule: Record<string, unknown>): string {
  switch (schedule.kind) {
    case "once-at":
      return `At ${text(schedule.at)}`;
    case "once-in":
      return `In ${formatSeconds(Number(schedule.seconds))}`;
    case "every":
      return `Every ${formatSeconds(Number(schedule.seconds))}`;
    case "cron":
      return `On cron ${text(schedule.cron)}${schedule.timezone ? ` (${text(schedule.timezone)})` : ""}`;
    default:
      return "On an unknown schedule";
  }
}
