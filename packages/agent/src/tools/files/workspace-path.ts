import { isAbsolute, relative, resolve } from "node:path";

/**
 * Resolves a path the model gave against the working directory and refuses one that leaves it
 * (`../../etc/passwd`, an absolute path elsewhere): file tools act inside the workspace only.
 */
export function workspacePath(cwd: string, path: string): string {
  const root = resolve(cwd);
  const target = resolve(root, path);
  const inside = relative(root, target);
  if (inside.startsWith("..") || isAbsolute(inside)) throw new Error(`${path} is outside the working directory ${root}`);
  return target;
}
