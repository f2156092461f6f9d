import type { EventInput, StoredEvent } from "@tributary/protocol";

/** Event inputs as a stream would store them, with offsets from `first`. For tests of pure functions. */
export function stored(inputs: readonly EventInput[], first = 1, streamPath = "/test"): StoredEvent[] {
  return inputs.map((input, index) => ({
    type: input.type,
    payload: input.payload ?? {},
    streamPath,
    offset: first + index,
    createdAt: new Date(Date.UTC(2025, 0, 1, 12, 0, index)).toISOString(),
  }));
}
