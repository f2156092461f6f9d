import { h } from "../dom.ts";

const projectPattern = /^[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}$/;

/**
 * Chooses the project: a namespace of its own streams. The choice is the page's `?project=` (so a link
 * names its project); recently used names are offered again.
 *
 * @example
 * header.append(createProjectPicker("default"));
 */
export function createProjectPicker(project: string): HTMLElement {
  const recent = new Set<string>(["default", ...(JSON.parse(localStorage.getItem("tributary:projects") ?? "[]") as string[]), project]);
  localStorage.setItem("tributary:projects", JSON.stringify([...recent].slice(-20)));
  const input = h("input", { class: "project-input", value: project, list: "tributary-projects", "aria-label": "Project", spellcheck: false });
  const hint = h("span", { class: "project-hint error-message" });
  const form = h(
    "form",
    {
      class: "project-picker",
      title: "Project: the same path in two projects is two unrelated streams",
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        const next = input.value.trim() || "default";
        if (!projectPattern.test(next)) {
          hint.textContent = "1-64 letters, digits, '-', '_' or '.'";
          return;
        }
        if (next !== project) location.href = `${location.pathname}?project=${encodeURIComponent(next)}`;
      },
    },
    h("label", null, "Project"),
    input,
    h(
      "datalist",
      { id: "tributary-projects" },
      [...recent].map((name) => h("option", { value: name })),
    ),
    hint,
  );
  input.addEventListener("change", () => form.requestSubmit());
  return form;
}
