import { TributaryError } from "./errors.ts";

/** The project used when a request names none. */
export const defaultProject = "default";
/** The request header that chooses a project (the query parameter `project` does too). */
export const projectHeader = "x-tributary-project";

const projectPattern = /^[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}$/;

/**
 * Validates a project name: 1–64 characters of letters, digits, `-`, `_`, `.`, starting with a letter or
 * digit. `undefined` or empty means the default project.
 */
export function parseProject(raw: string | undefined | null): string {
  if (raw === undefined || raw === null || raw === "") return defaultProject;
  if (!projectPattern.test(raw)) {
    throw new TributaryError(
      "invalid_project",
      `Project ${JSON.stringify(raw)} must be 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit.`,
    );
  }
  return raw;
}
