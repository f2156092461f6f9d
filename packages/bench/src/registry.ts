import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchGroup } from "./group.ts";

const groupsDir = fileURLToPath(new URL("./groups/", import.meta.url));

/**
 * Every group of workloads: each `.ts` file in groups/ that exports `group` (a `BenchGroup`), in their
 * `order`. Adding a workload is adding a file there; nothing else names it.
 *
 * @example
 * const groups = await loadGroups();
 * groups.map((group) => group.name); // ["appends", "live", ...]
 */
export async function loadGroups(): Promise<BenchGroup[]> {
  const files = readdirSync(groupsDir)
    .filter((file) => file.endsWith(".ts"))
    .sort();
  const groups: BenchGroup[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(`${groupsDir}${file}`).href)) as { group?: BenchGroup };
    if (!module.group) throw new Error(`bench: groups/${file} exports no \`group\``);
    groups.push(module.group);
  }
  const names = new Set<string>();
  for (const group of groups) {
    if (names.has(group.name)) throw new Error(`bench: two groups are named ${group.name}`);
    names.add(group.name);
  }
  return groups.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}
