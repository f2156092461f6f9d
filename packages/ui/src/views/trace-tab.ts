import type { StoredEvent } from "@tributary/protocol";
import type { ApiClient } from "../api/api-client.ts";
import { h, replaceChildren } from "../dom.ts";
import { buildTrace } from "../trace/build-trace.ts";
import { isTraceEvent, loadTraceEvents, mergeByOffset } from "../trace/trace-events.ts";
import { traceView } from "./trace-view.ts";

/**
 * The Trace tab of a stream view: every LLM call of the whole stream, not only the events the view holds.
 * The first time it is shown it reads the agent's events from the server (`loadTraceEvents`); live
 * events the view receives are added as they come, so a run in progress grows in place.
 *
 * @example
 * const trace = createTraceTab(api, "/me/agent", (offset) => `#/me/agent@${offset}`);
 * slot.append(trace.element); trace.show(); trace.add(liveEvents);
 */
export function createTraceTab(api: ApiClient, path: string, eventHref: (offset: number) => string) {
  const element = h("div", { class: "trace-slot" }, h("p", { class: "list-empty muted" }, "Loading the trace…"));
  let events: StoredEvent[] | undefined;
  /** Live events that came while the whole-stream read was under way: merged when it ends. */
  let early: StoredEvent[] = [];
  let loading = false;
  let visible = false;
  const controller = new AbortController();

  function render(): void {
    if (visible && events) replaceChildren(element, traceView(buildTrace(events), eventHref));
  }

  async function load(): Promise<void> {
    loading = true;
    try {
      const loaded = await loadTraceEvents(api, path, controller.signal);
      events = mergeByOffset(loaded, early);
      early = [];
      render();
    } catch (error) {
      replaceChildren(element, h("p", { class: "error-message list-empty" }, `Could not load the trace: ${(error as Error).message}`));
    } finally {
      loading = false;
    }
  }

  return {
    element,
    /** The tab is shown: loads the trace the first time, then renders what it has. */
    show(): void {
      if (visible) return;
      visible = true;
      if (!events && !loading) void load();
      render();
    },
    hide(): void {
      visible = false;
    },
    /** Events that arrived live on the stream; the ones the trace reads join it. */
    add(live: readonly StoredEvent[]): void {
      const relevant = live.filter(isTraceEvent);
      if (relevant.length === 0) return;
      if (!events) {
        if (loading) early.push(...relevant);
        return;
      }
      events = mergeByOffset(events, relevant);
      render();
    },
    destroy(): void {
      controller.abort();
    },
  };
}
