import { TributaryError, type StoredEvent, type StreamPath } from "@tributary/protocol";
import { createCursorWorker, type CursorOutcome } from "../shared/cursor-worker.ts";
import { cursorWorkerBuiltin, type CursorWorkerPorts } from "../shared/cursor-worker-builtin.ts";
import { invalidPayload } from "../../append/invalid-payload.ts";
import { compileJsonata } from "../shared/jsonata-expression.ts";
import { transformEvent } from "./transform-event.ts";
import { initialTransformersState, reduceTransformers, transformedBy, type TransformerEntry } from "./transformer-state.ts";

/**
 * Runs one transformer over its stream from a persisted cursor (consumer `transformer:<slug>`).
 *
 * 1. Every event after the configuring one is offered to the matcher once, in offset order, exactly once
 *    in effect: an output carries an idempotency key made of the slug and the source offset, so a retry
 *    after a crash is answered with the stored output instead of a second one.
 * 2. Loops are cut three ways: a transformer never sees its own outputs (nor its own error events); a
 *    chain of transformers stops at depth 4 (`metadata.transformedBy.depth`), with an error event; and the
 *    circuit breaker still pauses a stream that gets too busy.
 * 3. Outputs pass the same gates as a client's append: on a paused stream the transformer waits for
 *    `stream/resumed` and then carries on from where it stopped.
 * 4. A matcher or transform that fails on an event, or yields something that is not an acceptable event,
 *    records `stream/error-occurred` (processor `transformer`, the slug, the offset) and moves on.
 */
function createTransformerWorker(services: CursorWorkerPorts, project: string, path: StreamPath, config: () => TransformerEntry) {
  const slug = config().slug;
  const fail = (event: StoredEvent, message: string) =>
    services.reportError(project, path, { message: `transformer ${slug}: ${message}`, processor: "transformer", offset: event.offset, slug });

  async function handle(event: StoredEvent): Promise<CursorOutcome> {
    const marker = transformedBy(event);
    if (marker?.slug === slug) return "skipped";
    if (event.type === "stream/error-occurred" && event.payload.processor === "transformer" && event.payload.slug === slug) return "skipped";
    const outcome = await transformEvent(config(), event, marker?.depth ?? 0);
    if (outcome.kind === "none") return "skipped";
    if (outcome.kind === "failed") {
      await fail(event, outcome.message);
      return "skipped";
    }
    try {
      const appendedBy = { kind: "processor" as const, slug: "transformer", causedBy: { streamPath: event.streamPath, offset: event.offset } };
      await services.appender.appendAsClient(
        project,
        path,
        outcome.events.map((output) => ({ ...output, appendedBy })),
      );
      return "done";
    } catch (error) {
      if (error instanceof TributaryError && error.code === "stream_paused") return "wait";
      if (error instanceof TributaryError) {
        await fail(event, `the output was refused: ${error.message}`);
        return "skipped";
      }
      throw error;
    }
  }

  return createCursorWorker({
    events: services.events,
    cursors: services.cursors,
    project,
    path,
    consumer: `transformer:${slug}`,
    startAfter: config().startAfter,
    handle,
    logger: services.logger.child({ transformer: slug }),
  });
}

/**
 * JSON transformers: `transformer/configured {slug, matcher, transform}` turns every later event the
 * JSONata `matcher` selects into the event the JSONata `transform` yields (say, a Slack form post stored as
 * `stream/invalid-event-appended` into an `agent-input-added`); `transformer/removed {slug}` stops it.
 */
export const transformers = cursorWorkerBuiltin({
  slug: "transformers",
  namespace: "transformer",
  initialState: initialTransformersState,
  reduce: reduceTransformers,
  slugs: (state) => ({ entries: state.transformers, lastConfigOffset: state.lastConfigOffset }),
  validate: (event) => {
    for (const field of ["matcher", "transform"] as const) {
      const source = event.payload[field];
      if (typeof source !== "string") continue;
      const compiled = compileJsonata(source);
      if (!compiled.ok) return invalidPayload(event.type, `${field}: not a valid JSONata expression: ${compiled.message}.`);
    }
    return undefined;
  },
  workers: (ports) => (project, path, config) => createTransformerWorker(ports, project, path, config),
  describeAs: "transformers",
  describeEntry: (entry, _running, cursor) => ({
    slug: entry.slug,
    matcher: entry.matcher,
    transform: entry.transform,
    configuredAtOffset: entry.configuredOffset,
    cursor,
  }),
});
