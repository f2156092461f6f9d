import { parseStreamPath, TributaryError, type StreamPath } from "@tributary/protocol";
import { z } from "zod";
import { withProvenance } from "../auth/provenance.ts";
import { requireScopes } from "../auth/require-scopes.ts";
import { projectOf, type AppContext } from "../context.ts";
import type { EventReader, PreparedEvent } from "../store/event-log.ts";

/** The body of `POST /api/streams/<path>/fork` (docs/http-api.md §6a). */
export const forkBodySchema = z
  .object({
    atOffset: z
      .number({ error: "atOffset is required: the last offset to copy (0 copies nothing)" })
      .int("atOffset must be a whole number")
      .min(0, "atOffset must be 0 or more"),
    to: z.string({ error: "to is required: the path of the new stream" }),
  })
  .strict();

/**
 * Whether a POST to `<path>/fork` is a fork: a JSON object naming `to` and no `type`. Anything else is an
 * append to the stream whose last segment is `fork`, as before forks existed.
 */
export function isForkRequest(path: StreamPath, body: unknown): body is Record<string, unknown> {
  return (
    path.endsWith("/fork") &&
    typeof body === "object" &&
    body !== null &&
    !Array.isArray(body) &&
    "to" in body &&
    !("type" in body) &&
    !("event" in body) &&
    !("events" in body)
  );
}

/**
 * Forks `<path>` (the request's path without its `/fork`) into `to`: the events up to `atOffset` with the
 * same offsets, then `stream/forked {from, atOffset}`. Needs read on the source and append on the target.
 * Answers 201 with the stored marker.
 */
export async function forkStream(c: AppContext, path: StreamPath, body: Record<string, unknown>): Promise<Response> {
  const { store } = c.var.parts;
  const project = projectOf(c);
  const from = parseStreamPath(path.slice(0, -"/fork".length) || "/");
  const parsed = forkBodySchema.safeParse(body);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => (issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.join(", ")}: a fork takes atOffset and to` : issue.message))
      .join("; ");
    throw new TributaryError("invalid_request", `A fork body is {"atOffset": <offset>, "to": "<path>"}: ${message}.`);
  }
  const to = parseStreamPath(parsed.data.to);
  requireScopes(c, [
    { kind: "read", project, path: from },
    { kind: "append", project, path: to },
  ]);
  // The copies' schedules and subscriptions count against the project's quotas (builtin-gate.ts, 5).
  await c.var.parts.appender.admitFork(project, to, copiesUpTo(store, project, from, parsed.data.atOffset));
  const [marker] = withProvenance(c, [{ type: "stream/forked", payload: { from, atOffset: parsed.data.atOffset } }]);
  const result = await store.fork({ project, from, atOffset: parsed.data.atOffset, to, events: [marker!] });
  c.header("content-type", "application/json");
  return c.body(result.events[0]!.json, 201);
}

/** The events of `path` up to `atOffset`, read page by page (what a fork copies, for `admitFork`). */
export async function* copiesUpTo(store: EventReader, project: string, path: StreamPath, atOffset: number): AsyncIterable<PreparedEvent> {
  for (let after = 0; after < atOffset;) {
    const page = await store.read(project, path, { afterOffset: after, beforeOffset: atOffset + 1, limit: 1000 });
    if (page.length === 0) return;
    for (const record of page) yield JSON.parse(record.json) as PreparedEvent;
    after = page.at(-1)!.offset;
  }
}
