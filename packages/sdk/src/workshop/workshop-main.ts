import { userInfo } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A path prefix with its leading slash: `jonas` → `/jonas`. */
export function normalizePathPrefix(pathPrefix: string): string {
  return pathPrefix.startsWith("/") ? pathPrefix : `/${pathPrefix}`;
}

/** `PATH_PREFIX`, else `/<your user name>` (the workshop's `/$(id -un)`). */
export function getDefaultWorkshopPathPrefix(): string {
  return normalizePathPrefix(process.env.PATH_PREFIX || `/${userInfo().username}`);
}

/** True when the module with this `import.meta.url` is the script Node was started with. */
export function isMainModule(importMetaUrl: string): boolean {
  if (!process.argv[1]) return false;
  return importMetaUrl === pathToFileURL(resolve(process.argv[1])).href;
}

/**
 * Runs `run(pathPrefix)` when the calling file is the script Node was started with (and sets
 * `PATH_PREFIX` when unset); a failure is printed and sets the exit code to 1.
 *
 * @example
 * runWorkshopMain(import.meta.url, async (pathPrefix) => { … });
 */
export function runWorkshopMain(importMetaUrl: string, run: (pathPrefix: string) => Promise<void>): void {
  if (!isMainModule(importMetaUrl)) return;
  process.env.PATH_PREFIX ||= getDefaultWorkshopPathPrefix();
  void run(process.env.PATH_PREFIX).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
