import type { EventInput, StoredEvent } from "@tributary/protocol";
import { ApiError } from "../api/api-client.ts";
import { h, replaceChildren } from "../dom.ts";
import type { Links } from "./links.ts";
import type { Preset } from "./presets.ts";

export interface ComposerOptions {
  presets: readonly Preset[];
  links: Links;
  append(event: EventInput): Promise<StoredEvent>;
}

/**
 * Appends events to the open stream: a message box for the agent (`agent-input-added {content}`), and an
 * event editor with a preset for every built-in type (a processor's script gets a code box of its own). Refusals (a paused stream, a bad event) show their
 * code and the server's message, which names the reason and what to do.
 *
 * @example
 * const composer = createComposer({ presets, links, append: (event) => api.append(path, event) });
 */
export function createComposer(options: ComposerOptions) {
  const { presets, links } = options;
  let mode: "message" | "event" = localStorage.getItem("tributary:composer-mode") === "event" ? "event" : "message";
  const result = h("div", { class: "composer-result", role: "status", "aria-live": "polite" });

  const message = h("textarea", {
    class: "composer-message",
    rows: 2,
    placeholder: "Message the agent (appends agent-input-added). Enter sends, Shift+Enter for a new line.",
    "aria-label": "Message",
    onkeydown: (event: KeyboardEvent) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        void sendMessage();
      }
    },
  });

  const select = h(
    "select",
    { class: "preset-select", "aria-label": "Preset event", onchange: () => usePreset(Number(select.value)) },
    groups(presets).map(([group, entries]) =>
      h(
        "optgroup",
        { label: group },
        entries.map(({ preset, index }) => h("option", { value: String(index) }, preset.label)),
      ),
    ),
  );
  const docsSlot = h("span", { class: "preset-docs" });
  const editor = h("textarea", {
    class: "composer-editor",
    rows: 6,
    spellcheck: false,
    "aria-label": "Event JSON",
    onkeydown: (event: KeyboardEvent) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void sendEvent();
      }
    },
  });

  const codeLabel = h("span", { class: "code-label" });
  const code = h("textarea", {
    class: "composer-code",
    rows: 10,
    spellcheck: false,
    "aria-label": "Code",
    onkeydown: (event: KeyboardEvent) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void sendEvent();
      } else if (event.key === "Tab" && !event.shiftKey) {
        event.preventDefault();
        code.setRangeText("  ", code.selectionStart, code.selectionEnd, "end");
      }
    },
  });
  const codePane = h("div", { class: "composer-code-pane", hidden: true }, codeLabel, code);
  editor.addEventListener("input", () => syncCodePane());

  const messagePane = h(
    "div",
    { class: "composer-pane", id: "composer-pane-message", role: "tabpanel", "aria-labelledby": "composer-tab-message" },
    message,
    h("button", { class: "primary", type: "button", onclick: () => void sendMessage() }, "Send"),
  );
  const eventPane = h(
    "div",
    { class: "composer-pane composer-event", id: "composer-pane-event", role: "tabpanel", "aria-labelledby": "composer-tab-event" },
    h("div", { class: "composer-row" }, h("label", null, "Preset ", select), docsSlot, h("span", { class: "muted hint" }, "Ctrl+Enter appends")),
    editor,
    codePane,
    h("div", { class: "composer-row end" }, h("button", { class: "primary", type: "button", onclick: () => void sendEvent() }, "Append event")),
  );
  const tabs = h("div", { class: "tabs small", role: "tablist", "aria-label": "Composer mode" });
  const element = h("section", { class: "composer", "aria-label": "Composer" }, h("div", { class: "composer-top" }, tabs, result), messagePane, eventPane);

  function setMode(next: typeof mode): void {
    mode = next;
    localStorage.setItem("tributary:composer-mode", mode);
    replaceChildren(
      tabs,
      (["message", "event"] as const).map((tab) =>
        h(
          "button",
          {
            type: "button",
            role: "tab",
            id: `composer-tab-${tab}`,
            "aria-controls": `composer-pane-${tab}`,
            class: tab === mode ? "active" : "",
            "aria-selected": String(tab === mode),
            onclick: () => setMode(tab),
          },
          tab === "message" ? "Message" : "Event",
        ),
      ),
    );
    messagePane.hidden = mode !== "message";
    eventPane.hidden = mode !== "event";
  }

  function usePreset(index: number): void {
    const preset = presets[index];
    if (!preset) return;
    select.value = String(index);
    const field = codeFields[preset.event.type];
    const payload = { ...preset.event.payload };
    if (field && typeof payload[field] === "string") {
      code.value = payload[field];
      delete payload[field];
    }
    editor.value = JSON.stringify({ ...preset.event, payload }, null, 2);
    syncCodePane();
    const href = links.docsHref(preset.event.type);
    replaceChildren(docsSlot, href ? h("a", { href, target: "_blank", rel: "noopener" }, "docs") : null);
  }

  async function send(event: EventInput): Promise<boolean> {
    replaceChildren(result);
    result.className = "composer-result";
    try {
      const stored = await options.append(event);
      result.classList.add("ok");
      replaceChildren(result, `Appended #${stored.offset} `, links.typeLink(stored.type));
      return true;
    } catch (error) {
      result.classList.add("error");
      if (error instanceof ApiError) replaceChildren(result, h("code", { class: "error-code" }, error.code), " ", error.message);
      else replaceChildren(result, (error as Error).message);
      return false;
    }
  }

  async function sendMessage(): Promise<void> {
    const content = message.value;
    if (content.trim() === "") return;
    if (await send({ type: "agent-input-added", payload: { content } })) message.value = "";
  }

  async function sendEvent(): Promise<void> {
    let event: EventInput;
    try {
      event = JSON.parse(editor.value) as EventInput;
    } catch (error) {
      result.className = "composer-result error";
      replaceChildren(result, `The event is not valid JSON: ${(error as Error).message}`);
      return;
    }
    const field = codeFieldOf(event);
    if (field) event = { ...event, payload: { ...event.payload, [field]: code.value } };
    await send(event);
  }

  /** The code field of the event in the editor, when the editor leaves it to the code box. */
  function codeFieldOf(event: EventInput | undefined): string | undefined {
    const field = event && typeof event.type === "string" ? codeFields[event.type] : undefined;
    return field && !(field in (event?.payload ?? {})) ? field : undefined;
  }

  function syncCodePane(): void {
    let event: EventInput | undefined;
    try {
      event = JSON.parse(editor.value) as EventInput;
    } catch {
      return; // mid-edit; keep the pane as it is
    }
    const field = codeFieldOf(event);
    codePane.hidden = field === undefined;
    codeLabel.textContent = field ? `payload.${field}` : "";
  }

  setMode(mode);
  usePreset(0);
  const offlineNote = h("p", { class: "composer-offline", hidden: true }, "Offline: appending is possible again once the server answers.");
  element.prepend(offlineNote);

  return {
    element,
    focus: () => (mode === "message" ? message : editor).focus(),
    /** Disabled while the server is away: an append then could only fail. */
    setEnabled(enabled: boolean) {
      offlineNote.hidden = enabled;
      element.classList.toggle("disabled", !enabled);
      for (const control of element.querySelectorAll<HTMLButtonElement | HTMLTextAreaElement | HTMLSelectElement>("button, textarea, select"))
        control.disabled = !enabled;
    },
  };
}

/**
 * Payload fields that hold code or long prose: the talk writes a processor right in the UI, so these get
 * a text box of their own instead of a JSON string full of \n escapes.
 */
const codeFields: Record<string, string> = { "processor/deployed": "script", "agent-system-prompt-changed": "systemPrompt" };

function groups(presets: readonly Preset[]): [string, { preset: Preset; index: number }[]][] {
  const byGroup = new Map<string, { preset: Preset; index: number }[]>();
  presets.forEach((preset, index) => {
    const entries = byGroup.get(preset.group) ?? [];
    entries.push({ preset, index });
    byGroup.set(preset.group, entries);
  });
  return [...byGroup];
}
