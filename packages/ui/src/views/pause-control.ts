import type { EventInput } from "@tributary/protocol";
import { ApiError } from "../api/api-client.ts";
import { h, replaceChildren } from "../dom.ts";

/**
 * Pause and resume buttons. Pausing asks for a reason (the server requires one and shows it to everyone
 * whose append is refused); both are plain appends of `stream/paused` / `stream/resumed`.
 *
 * @example
 * const pause = createPauseControl({ append: (event) => api.append(path, event) });
 * pause.setPaused(state.pause !== null);
 */
export function createPauseControl(options: { append(event: EventInput): Promise<unknown> }) {
  let paused = false;
  const error = h("span", { class: "pause-error error-message" });
  const reason = h("input", { class: "pause-reason", type: "text", value: "Paused from the UI", "aria-label": "Reason for pausing" });
  const form = h(
    "form",
    {
      class: "pause-form",
      hidden: true,
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        void run({ type: "stream/paused", payload: { reason: reason.value.trim() || "Paused from the UI" } });
      },
    },
    h("label", null, "Reason ", reason),
    h("button", { class: "danger", type: "submit" }, "Pause stream"),
    h("button", { type: "button", onclick: () => (form.hidden = true) }, "Cancel"),
  );
  const button = h("button", { class: "pause-button", type: "button", onclick: () => toggle() }, "Pause");
  const element = h("div", { class: "pause-control" }, button, form, error);

  function toggle(): void {
    if (paused) {
      void run({ type: "stream/resumed", payload: { reason: "Resumed from the UI" } });
    } else {
      form.hidden = !form.hidden;
      if (!form.hidden) reason.select();
    }
  }

  async function run(event: EventInput): Promise<void> {
    replaceChildren(error);
    try {
      await options.append(event);
      form.hidden = true;
    } catch (failure) {
      replaceChildren(error, failure instanceof ApiError ? `${failure.code}: ${failure.message}` : (failure as Error).message);
    }
  }

  return {
    element,
    setPaused(next: boolean) {
      paused = next;
      button.textContent = paused ? "Resume" : "Pause";
      button.classList.toggle("resume", paused);
    },
  };
}
