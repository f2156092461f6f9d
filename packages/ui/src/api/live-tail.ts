import type { StoredEvent } from "@tributary/protocol";

export type LiveStatus = "connecting" | "live" | "closed";

/**
 * Tails a stream over SSE and hands its events over in batches, at most one per animation frame, so a
 * burst of thousands of events costs one render instead of thousands. The browser's EventSource resumes
 * after a dropped connection by sending `Last-Event-ID`, which the server honours, so no event is lost or
 * repeated across reconnects. A timer backs up the frame callback: hidden tabs get no frames.
 *
 * @example
 * const stop = openLiveTail(api.liveUrl("/jonas/agent", 0), (events) => console.log(events.length));
 */
export function openLiveTail(url: string, onBatch: (events: StoredEvent[]) => void, onStatus: (status: LiveStatus) => void = () => {}): () => void {
  const source = new EventSource(url);
  let pending: StoredEvent[] = [];
  let frame = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = () => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = 0;
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    onBatch(batch);
  };

  source.onopen = () => onStatus("live");
  source.onerror = () => onStatus(source.readyState === EventSource.CLOSED ? "closed" : "connecting");
  source.onmessage = (message) => {
    let event: StoredEvent;
    try {
      event = JSON.parse(message.data) as StoredEvent;
    } catch {
      return; // not an event frame; the protocol sends only events on data lines
    }
    pending.push(event);
    if (frame === 0) frame = requestAnimationFrame(flush);
    timer ??= setTimeout(flush, 250);
  };
  onStatus("connecting");
  return () => {
    source.close();
    pending = [];
    flush();
    onStatus("closed");
  };
}
