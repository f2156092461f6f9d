import { TributaryError } from "@tributary/protocol";

/** The 400 a built-in type's payload gets when it cannot be accepted: says what to fix, links the docs. */
export function invalidPayload(type: string, message: string): TributaryError {
  return new TributaryError("invalid_event", `Invalid ${type} payload: ${message}`, { type, docs: `/api/docs/events/${type}` });
}

/** The refusal of a `…/removed` or `…/cancelled` event naming a slug the stream does not have. */
export function unknownSlug(type: string, kind: string, slug: string, path: string, known: string[]): TributaryError {
  return invalidPayload(type, `there is no ${kind} '${slug}' on ${path}${known.length ? `; configured: ${known.join(", ")}` : ""}.`);
}
