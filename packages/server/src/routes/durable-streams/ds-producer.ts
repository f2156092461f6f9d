import { TributaryError } from "@tributary/protocol";
import type { DsProducerState } from "../../store/durable-stream-meta-store.ts";
import { dsHeader, type ProducerHeaders } from "./ds-headers.ts";

export type ProducerCheck =
  | { status: "accepted"; state: DsProducerState }
  | { status: "duplicate"; lastSeq: number }
  | { status: "stale"; epoch: number }
  | { status: "epoch-needs-seq-0" }
  | { status: "gap"; expected: number; received: number };

/**
 * §5.2.1 validation, without changing anything: a new producer or a new epoch starts at seq 0; within an
 * epoch, a seq at or below the last is a duplicate (answered as a success, stored once), the next one is
 * accepted, and a jump is a gap. A lower epoch is a zombie and is fenced.
 */
export function checkProducer(producers: Record<string, DsProducerState>, request: ProducerHeaders): ProducerCheck {
  const state = producers[request.producerId];
  if (!state) {
    if (request.seq !== 0) return { status: "gap", expected: 0, received: request.seq };
    return { status: "accepted", state: { epoch: request.epoch, lastSeq: 0 } };
  }
  if (request.epoch < state.epoch) return { status: "stale", epoch: state.epoch };
  if (request.epoch > state.epoch) {
    if (request.seq !== 0) return { status: "epoch-needs-seq-0" };
    return { status: "accepted", state: { epoch: request.epoch, lastSeq: 0 } };
  }
  if (request.seq <= state.lastSeq) return { status: "duplicate", lastSeq: state.lastSeq };
  if (request.seq === state.lastSeq + 1) return { status: "accepted", state: { epoch: request.epoch, lastSeq: request.seq } };
  return { status: "gap", expected: state.lastSeq + 1, received: request.seq };
}

/** Turns a refusal into its error, setting the headers §5.2.1 asks for on it. */
export function refuseProducer(check: Exclude<ProducerCheck, { status: "accepted" | "duplicate" }>, setHeader: (name: string, value: string) => void): never {
  if (check.status === "stale") {
    setHeader(dsHeader.producerEpoch, String(check.epoch));
    throw new TributaryError("producer_fenced", `A newer epoch (${check.epoch}) of this producer is writing; this one is fenced.`, {
      currentEpoch: check.epoch,
    });
  }
  if (check.status === "epoch-needs-seq-0") {
    throw new TributaryError("invalid_request", "A producer's new epoch must start at Producer-Seq 0.");
  }
  setHeader(dsHeader.expectedSeq, String(check.expected));
  setHeader(dsHeader.receivedSeq, String(check.received));
  throw new TributaryError("sequence_conflict", `Producer-Seq ${check.received} leaves a gap; the next expected is ${check.expected}.`, {
    expectedSeq: check.expected,
    receivedSeq: check.received,
  });
}
