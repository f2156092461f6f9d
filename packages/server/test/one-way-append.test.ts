// docs/architecture.md ("One append, in one direction") says which way the parts of an append import each
// other: the store knows nothing above it, the appender knows the built-ins only as the Gate port, the live
// readers know only the store. This reads every import of those folders and holds it to that.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src/", import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Each relative import of the files under `folder`, as `importer -> imported` (paths relative to src/). */
function importsOf(folder: string): { from: string; to: string }[] {
  return filesUnder(join(src, folder)).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/(?:import|export)\s[^'"]*?from\s*["'](\.[^"']+)["']|\bimport\(\s*["'](\.[^"']+)["']\s*\)/g)].map((match) => ({
      from: relative(src, file),
      to: relative(src, resolve(dirname(file), match[1] ?? match[2]!)),
    })),
  );
}

const rules: [folder: string, mayNotImport: string[]][] = [
  ["store", ["append/", "builtins/", "live/", "routes/", "auth/", "app.ts", "server.ts", "context.ts"]],
  ["append", ["builtins/", "live/", "routes/", "auth/", "app.ts", "server.ts", "context.ts"]],
  ["live", ["append/", "builtins/", "routes/", "auth/", "app.ts", "server.ts", "context.ts"]],
  ["builtins/host", ["live/", "routes/", "app.ts", "server.ts", "context.ts"]],
];

describe("one append, in one direction", () => {
  it.each(rules)("%s/ imports nothing from the parts above it", (folder, mayNotImport) => {
    const imports = importsOf(folder);
    expect(imports.length).toBeGreaterThan(0);
    const upward = imports.filter(({ to }) => mayNotImport.some((part) => to === part || to.startsWith(part))).map(({ from, to }) => `${from} -> ${to}`);
    expect(upward).toEqual([]);
  });
});
