import { TributaryError, type StreamPath } from "@tributary/protocol";
import { projectOf, type AppContext } from "../../context.ts";
import type { DurableStreamMeta } from "../../store/durable-stream-meta-store.ts";
import type { PreparedEvent } from "../../store/stream-store.ts";
import { appendEvents } from "./ds-append-events.ts";
import { readDsBody } from "./ds-body.ts";
import { faceOf, streamKey } from "./ds-face.ts";
import { dsHeader, isClosedHeader, mediaTypeOf, parseProducerHeaders, type ProducerHeaders } from "./ds-headers.ts";
import { eventsFromBody } from "./ds-messages.ts";
import { formatDsOffset } from "./ds-offset.ts";
import { checkProducer, refuseProducer } from "./ds-producer.ts";
import { removeDsStream } from "./ds-remove.ts";
import { findDsStream, requireLive } from "./ds-stream.ts";
import { withProvenance } from "../../auth/provenance.ts";

/**
 * POST: append, close, or append and close (§5.2, §5.3). Checks run in the protocol's precedence:
 * producer duplicates and fencing first (a retry of the closing append is a success), then closure,
 * content type, producer gaps and `Stream-Seq` (scoped per stream). Stored events and the stream's
 * record are written under the stream's lock; see docs/durable-streams.md for the crash window between them.
 */
export async function appendDurableStream(c: AppContext, path: StreamPath) {
  const { parts } = c.var;
  const face = faceOf(parts);
  const project = projectOf(c);
  const close = isClosedHeader(c.req.header(dsHeader.closed));
  const producer = parseProducerHeaders((name) => c.req.header(name));
  const streamSeq = c.req.header(dsHeader.seq);
  const contentType = c.req.header("content-type");
  const body = await readDsBody(c);
  if (body.length === 0 && !close)
    throw new TributaryError("invalid_request", "An append needs a body (an empty body is allowed only with Stream-Closed: true).");

  const outcome = await face.serialise(streamKey(project, path), async () => {
    const stream = requireLive(await findDsStream(parts, project, path, (expired) => removeDsStream(parts, face, expired)), path);
    const meta = stream.meta;
    const check = producer ? checkProducer(meta.producers, producer) : undefined;
    if (check?.status === "duplicate") return { stream, status: 204 as const, producerSeq: check.lastSeq };
    if (check?.status === "stale") refuseProducer(check, (name, value) => c.header(name, value));
    if (meta.closed) {
      if (producer && isClosingRequest(meta, producer)) return { stream, status: 204 as const, producerSeq: producer.seq };
      if (body.length === 0) return { stream, status: 204 as const };
      c.header(dsHeader.closed, "true");
      c.header(dsHeader.nextOffset, formatDsOffset(stream.tail));
      throw new TributaryError("stream_closed", `The stream at ${path} is closed; it takes no more appends.`);
    }
    if (body.length > 0) {
      if (contentType === undefined || contentType.trim() === "") throw new TributaryError("invalid_request", "An append needs a Content-Type.");
      if (mediaTypeOf(contentType) !== mediaTypeOf(meta.contentType)) {
        throw new TributaryError("content_type_mismatch", `The stream's content type is ${meta.contentType}; this append is ${contentType}.`);
      }
    }
    if (check && check.status !== "accepted") refuseProducer(check, (name, value) => c.header(name, value));
    if (streamSeq !== undefined && meta.lastStreamSeq !== undefined && streamSeq <= meta.lastStreamSeq) {
      throw new TributaryError(
        "sequence_conflict",
        `Stream-Seq ${JSON.stringify(streamSeq)} is not above the last one (${JSON.stringify(meta.lastStreamSeq)}).`,
      );
    }
    const events = body.length === 0 ? [] : eventsFromBody(meta.kind, body, { maxEventBytes: parts.limits.maxEventBytes, allowEmpty: false });
    if (producer) keyByProducer(events, producer);
    const tail = await appendEvents(parts, stream, withProvenance(c, events));

    const next: DurableStreamMeta = { ...meta, touchedAt: Date.now() };
    if (producer && check?.status === "accepted") next.producers = { ...meta.producers, [producer.producerId]: check.state };
    if (streamSeq !== undefined) next.lastStreamSeq = streamSeq;
    if (close) {
      next.closed = true;
      if (producer) next.closedBy = { producerId: producer.producerId, epoch: producer.epoch, seq: producer.seq };
    }
    // A plain append to a Tributary stream the face has no record of changes nothing the record would hold.
    if (!stream.implicit || producer || close || streamSeq !== undefined) await parts.store.putDurableStream(project, path, next);
    if (close) face.notify(stream.storeProject, stream.storePath);
    return { stream: { ...stream, meta: next, tail }, status: producer && events.length > 0 ? (200 as const) : (204 as const), producerSeq: producer?.seq };
  });

  c.header(dsHeader.nextOffset, formatDsOffset(outcome.stream.tail));
  if (outcome.stream.meta.closed) c.header(dsHeader.closed, "true");
  if (producer) {
    c.header(dsHeader.producerEpoch, String(producer.epoch));
    if (outcome.producerSeq !== undefined) c.header(dsHeader.producerSeq, String(outcome.producerSeq));
  }
  return c.body(null, outcome.status);
}

/**
 * Each message of a producer's append carries an idempotency key naming its (producer, epoch, seq,
 * position), unless it brought its own. The stream's record is written after the events; if a crash
 * falls between the two, the producer's retry is accepted again and the event log returns the events it
 * already stored instead of storing them twice, so producer appends are exactly-once across crashes too.
 */
function keyByProducer(events: PreparedEvent[], producer: ProducerHeaders): void {
  events.forEach((event, index) => {
    event.idempotencyKey ??= `ds:${producer.producerId}:${producer.epoch}:${producer.seq}:${index}`;
  });
}

function isClosingRequest(meta: DurableStreamMeta, producer: ProducerHeaders): boolean {
  const by = meta.closedBy;
  return by !== undefined && by.producerId === producer.producerId && by.epoch === producer.epoch && by.seq === producer.seq;
}
