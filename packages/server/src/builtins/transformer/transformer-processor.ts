import { invalidPayload, unknownSlug } from "../shared/invalid-payload.ts";
import { TributaryError, type StoredEvent, type StreamPath } from "@tributary/protocol";
import type { BuiltinFactory, BuiltinProcessor, BuiltinServices } from "../builtin-processor.ts";
import { createCursorWorker, type CursorOutcome } from "../shared/cursor-worker.ts";
import { compileJsonata } from "../shared/jsonata-expression.ts";
import { createSlugWorkers } from "../shared/slug-workers.ts";
import { transformEvent } from "./transform-event.ts";
import { initialTransformersState, reduceTransformers, transformedBy, type TransformerEntry, type TransformersState } from "./transformer-state.ts";


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
function createTransformerWorker(services: BuiltinServices, project: string, path: StreamPath, config: () => TransformerEntry) {
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
      await services.appendGated(project, path, outcome.events);
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
    store: services.store,
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
export const createTransformers: BuiltinFactory = (services) => {
  const workers = createSlugWorkers<TransformerEntry, ReturnType<typeof createTransformerWorker>>((project, path, config) =>
    createTransformerWorker(services, project, path, config),
  );

  let closed = false;

  function sync(project: string, path: StreamPath, state: TransformersState): void {
    const entries = Object.values(state.transformers);
    workers.sync(project, path, entries);
    if (entries.length === 0 && state.lastConfigOffset > 0) {
      void services.store.unmarkStream(project, path, "transformer", state.lastConfigOffset).catch(() => undefined);
    }
  }

  const processor: BuiltinProcessor<TransformersState> = {
    slug: "transformers",
    initialState: initialTransformersState,
    reduce: ({ event, state }) => reduceTransformers(state, event),
    beforeAppend: ({ event, state, path }) => {
      if (event.type === "transformer/configured") {
        for (const field of ["matcher", "transform"] as const) {
          const source = event.payload[field];
          if (typeof source !== "string") continue;
          const compiled = compileJsonata(source);
          if (!compiled.ok) return invalidPayload(event.type, `${field}: not a valid JSONata expression: ${compiled.message}.`);
        }
      }
      if (event.type === "transformer/removed") {
        const slug = String(event.payload.slug);
        if (state.transformers[slug]) return undefined;
        return unknownSlug(event.type, "transformer", slug, path, Object.keys(state.transformers));
      }
      return undefined;
    },
    afterAppend: ({ project, path, event, state }) => {
      if (event.type === "transformer/configured" || event.type === "transformer/removed") sync(project, path, state);
      workers.wakeAll(project, path);
    },
    onCaughtUp: ({ project, path, state }) => {
      sync(project, path, state);
      workers.wakeAll(project, path);
    },
    describe: async (state, { project, path }) => ({
      transformers: await Promise.all(
        Object.values(state.transformers).map(async (entry) => {
          const saved = await services.store.getCursor(project, path, `transformer:${entry.slug}`);
          const running = workers.get(project, path, entry.slug);
          return {
            slug: entry.slug,
            matcher: entry.matcher,
            transform: entry.transform,
            configuredAtOffset: entry.configuredOffset,
            cursor: Math.max(running?.position() ?? 0, saved ?? 0, entry.startAfter),
          };
        }),
      ),
    }),
    start: async () => {
      for (const { project, path } of await services.store.listMarkedStreams("transformer")) {
        if (closed) return;
        await services.wake(project, path).catch((error) => services.logger.error("could not load a stream's transformers", { project, path, error: String(error) }));
      }
    },
    forget: (project, path) => workers.forget(project, path),
    close: () => {
      closed = true;
      return workers.close();
    },
  };
  return processor;
};
