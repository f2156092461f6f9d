import { builtinEventTypes, describeIssues, TributaryError } from "@tributary/protocol";
import { checkBuiltin } from "../../append/parse-append-body.ts";
import type { PreparedEvent } from "../../store/stream-store.ts";
import { cronOf, type Schedule } from "./schedule-state.ts";

const configuredSchema = builtinEventTypes.get("schedule/configured")!.payload;

const invalid = (message: string) =>
  new TributaryError("invalid_event", `Invalid schedule/configured payload: ${message}`, {
    type: "schedule/configured",
    docs: "/api/docs/events/schedule/configured",
  });

/**
 * What the schema alone cannot check about a schedule: the cron expression parses and fires at least
 * once more, the time zone exists, and the event to append would itself be accepted.
 *
 * @example
 * validateSchedule({ type: "schedule/configured", payload: { slug: "x", event: { type: "tick" }, schedule: { kind: "cron", cron: "61 * * * *" } } });
 * // → TributaryError invalid_event "… schedule.cron: …"
 */
export function validateSchedule(event: PreparedEvent): TributaryError | undefined {
  const parsed = configuredSchema.safeParse(event.payload);
  if (!parsed.success) return invalid(`${describeIssues(parsed.error)}.`);
  const { schedule, event: input } = parsed.data as { schedule: Schedule; event: { type: string; payload?: Record<string, unknown> } };
  if (schedule.kind === "cron") {
    if (schedule.timezone !== undefined && !isTimeZone(schedule.timezone)) {
      return invalid(`schedule.timezone: ${JSON.stringify(schedule.timezone)} is not an IANA time zone (such as Europe/Berlin or UTC).`);
    }
    try {
      if (!cronOf(schedule.cron, schedule.timezone).nextRun()) return invalid(`schedule.cron: ${JSON.stringify(schedule.cron)} never fires.`);
    } catch (error) {
      return invalid(`schedule.cron: ${(error as Error).message} Use 5 fields (minute hour day month weekday) or 6 (with seconds first), e.g. "*/5 * * * *".`);
    }
  }
  try {
    checkBuiltin({ type: input.type, payload: input.payload ?? {} });
  } catch (error) {
    if (error instanceof TributaryError) return invalid(`event: ${error.message}`);
    throw error;
  }
  return undefined;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
