// `npm run build`: what `npm pack` publishes. Each package's dist/ gets JavaScript plus .d.ts (one tsc program
// over every package's sources), and @tributary/ui's dist/ gets the web UI bundled by esbuild with
// content-hashed asset names. Inside the repository nothing needs this: the sources run directly.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../", import.meta.url));
const staging = join(root, ".build");

/** The packages whose dist/ tsc writes (the UI's comes from esbuild below). */
export const compiledPackages = ["protocol", "sdk", "server", "testing", "agent", "cli", "tributary"];

function compile(): void {
  rmSync(staging, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
  if (tsc.status !== 0) throw new Error("tsc failed (see above)");
  for (const name of [...compiledPackages, "ui"]) {
    const dist = join(root, "packages", name, "dist");
    rmSync(dist, { recursive: true, force: true });
    renameSync(join(staging, name, "src"), dist);
  }
  rmSync(staging, { recursive: true, force: true });
}

function hashed(name: string, content: string | Uint8Array): string {
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 10);
  const dot = name.lastIndexOf(".");
  return `${name.slice(0, dot)}-${hash}${name.slice(dot)}`;
}

/** Bundles the UI into packages/ui/dist: index.html, /assets/main-<hash>.js, /assets/style-<hash>.css, the rest of public/. */
async function bundleUi(): Promise<void> {
  const ui = join(root, "packages/ui");
  const dist = join(ui, "dist");
  const assets = join(dist, "assets");
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: [join(ui, "src/main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2023",
    minify: true,
    write: false,
    logLevel: "warning",
  });
  const script = hashed("main.js", result.outputFiles[0]!.contents);
  writeFileSync(join(assets, script), result.outputFiles[0]!.contents);

  let html = readFileSync(join(ui, "public/index.html"), "utf8");
  for (const entry of readdirSync(join(ui, "public"))) {
    if (entry === "index.html") continue;
    const content = readFileSync(join(ui, "public", entry));
    if (entry.endsWith(".css")) {
      const name = hashed(entry, content);
      writeFileSync(join(assets, name), content);
      html = replaceOnce(html, `"/${entry}"`, `"/assets/${name}"`);
    } else {
      cpSync(join(ui, "public", entry), join(dist, entry), { recursive: true });
    }
  }
  html = replaceOnce(html, `"/src/main.ts"`, `"/assets/${script}"`);
  writeFileSync(join(dist, "index.html"), html);
  // What the server imports to find these files (the source build of assets.ts points at public/ and src/).
  writeFileSync(
    join(dist, "assets.js"),
    `import { fileURLToPath } from "node:url";\nexport const uiAssets = { mode: "bundle", root: fileURLToPath(new URL("./", import.meta.url)) };\n`,
  );
}

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`packages/ui/public/index.html no longer references ${from}; update scripts/build.ts`);
  return text.replace(from, to);
}

const started = Date.now();
compile();
await bundleUi();
for (const name of [...compiledPackages, "ui"]) {
  if (!existsSync(join(root, "packages", name, "dist"))) throw new Error(`packages/${name}/dist is missing`);
}
console.log(`build: dist/ of ${[...compiledPackages, "ui"].join(", ")} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
