// Every package declares what its code imports, and declares nothing it does not use. Inside the
// workspace an undeclared import still resolves (every package sits in the root node_modules), so only
// an install from npm would show the gap; this test shows it here. Read as text, like a linter.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packagesDir = fileURLToPath(new URL("../../", import.meta.url));
const builtins = new Set(builtinModules);
const importPattern =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"'./][^"']*)["']|\bimport\(\s*["']([^"'./][^"']*)["']\s*\)|^\s*import\s+["']([^"'./][^"']*)["']/gm;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function files(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (entry === "node_modules" || entry === "dist") return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|js|mjs|cjs)$/.test(entry) ? [path] : [];
  });
}

const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

function importsIn(paths: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const path of paths) {
    for (const match of readFileSync(path, "utf8").matchAll(importPattern)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (specifier.startsWith("node:") || builtins.has(specifier) || specifier.startsWith("#")) continue;
      found.set(packageOf(specifier), path.slice(packagesDir.length));
    }
  }
  return found;
}

const packages = readdirSync(packagesDir)
  .filter((name) => {
    try {
      return statSync(join(packagesDir, name, "package.json")).isFile();
    } catch {
      return false;
    }
  })
  .map((name) => ({ dir: join(packagesDir, name), manifest: JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8")) as Manifest }));

describe("declared dependencies", () => {
  it.each(packages.map((entry) => [entry.manifest.name, entry] as const))("%s declares every package its code imports", (_name, { dir, manifest }) => {
    // The UI's code is bundled at build time (its packages are build inputs, devDependencies).
    const runtime = {
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.optionalDependencies,
      ...(manifest.name === "@tributary/ui" ? manifest.devDependencies : {}),
    };
    const undeclared = [...importsIn([...files(join(dir, "src")), ...files(join(dir, "bin"))])]
      .filter(([name]) => name !== manifest.name && !(name in runtime))
      .map(([name, where]) => `${name} (imported by ${where})`);
    expect(undeclared).toEqual([]);
  });

  it.each(packages.map((entry) => [entry.manifest.name, entry] as const))("%s declares no package it never uses", (_name, { dir, manifest }) => {
    const text = [...files(dir)].map((path) => readFileSync(path, "utf8")).join("\n");
    const declared = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
    // Used: imported, or named in a string (require.resolve("axe-core/…"), a variable specifier).
    const unused = declared.filter((name) => !text.includes(`"${name}`) && !text.includes(`'${name}`));
    expect(unused).toEqual([]);
  });

  it("has no cycle among the packages' runtime dependencies", () => {
    const dependsOn = new Map(packages.map(({ manifest }) => [manifest.name, Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })]));
    const cycles: string[] = [];
    const visit = (name: string, trail: string[]) => {
      for (const next of dependsOn.get(name) ?? []) {
        if (!dependsOn.has(next)) continue;
        if (trail.includes(next)) cycles.push([...trail, next].join(" -> "));
        else visit(next, [...trail, next]);
      }
    };
    for (const name of dependsOn.keys()) visit(name, [name]);
    expect(cycles).toEqual([]);
  });
});
