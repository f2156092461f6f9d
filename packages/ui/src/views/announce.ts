import { h } from "../dom.ts";

let region: HTMLElement | undefined;

/**
 * The page's one polite live region: what it says, screen readers read out (copied, appended, offline).
 * It also shows briefly as a toast, so sighted users get the same message.
 *
 * @example
 * document.body.append(announcer());
 * announce("Copied the event as JSON");
 */
export function announcer(): HTMLElement {
  region ??= h("div", { class: "announcer", role: "status", "aria-live": "polite" });
  return region;
}

let timer: ReturnType<typeof setTimeout> | undefined;

export function announce(message: string): void {
  const target = announcer();
  target.textContent = message;
  target.classList.add("visible");
  clearTimeout(timer);
  timer = setTimeout(() => target.classList.remove("visible"), 2500);
}
