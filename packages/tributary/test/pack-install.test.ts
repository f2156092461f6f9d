// What a user gets from npm: every publishable package is built and packed (`npm pack`), the tarballs are
// installed into an empty project with their third-party dependencies from the registry, and that project is
// used as a user would, on Node 22 and on Node 24: a processor file runs with `npx tributary run` (and, on
// Node 24, is deployed into the server's sandbox with `npx tributary deploy`),
// `npx tributary serve` serves the API and the bundled UI, and a plain `node app.mjs` appends and tails.
// The SDK alone is installed too, to show it brings no server code. One build, one pack and one install are
// shared by every assertion.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const published = ["protocol", "sdk", "server", "testing", "agent", "cli", "ui", "tributary"];
const work = mkdtempSync(join(tmpdir(), "tributary-pack-"));
const tarballs = join(work, "tarballs");
const project = join(work, "project");
const sdkOnly = join(work, "sdk-only");
/** Node 22 from the `node` npm package, kept between runs on this machine (it is the same download). */
const node22Home = join(repo, "node_modules/.cache/tributary-pack-test/node22");

const timeout = 15 * 60_000;
const running: { kill(): void }[] = [];

/** Runs a command to completion; throws with its output when it fails. */
function sh(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): string {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} (in ${options.cwd}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The environment of a user's shell with `node` (and so `npx`) of the given version first on the PATH; no repository settings leak in. */
function userEnv(nodeBin: string): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, TRIBUTARY_URL: _url, BASE_URL: _base, ...rest } = process.env;
  return { ...rest, PATH: `${dirname(nodeBin)}${delimiter}${process.env.PATH}`, NO_COLOR: "1", npm_config_update_notifier: "false" };
}

/** Starts a long-running command; resolves the first match of `pattern` in its output. */
function startUntil(command: string, args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): Promise<RegExpMatchArray> {
  const child = spawn(command, args, { cwd: project, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.push({ kill: () => process.kill(-child.pid!, "SIGTERM") });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} from ${command} ${args.join(" ")}:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(" ")} exited ${code} before ${pattern}:\n${output}`));
    });
  });
}

/** Installed packages of a project (npm's own view), and the bytes under its node_modules. */
function installed(dir: string): { names: string[]; bytes: number } {
  const tree = JSON.parse(sh("npm", ["ls", "--all", "--json", "--omit=dev"], { cwd: dir })) as { dependencies?: Record<string, { dependencies?: object }> };
  const names = new Set<string>();
  const walk = (deps: Record<string, { dependencies?: object }> | undefined) => {
    for (const [name, child] of Object.entries(deps ?? {})) {
      if (names.has(name)) continue;
      names.add(name);
      walk(child.dependencies as Record<string, { dependencies?: object }> | undefined);
    }
  };
  walk(tree.dependencies);
  const bytes = Number(sh("du", ["-sb", join(dir, "node_modules")], { cwd: dir }).split("\t")[0]);
  return { names: [...names].sort(), bytes };
}

const npmInstall = (dir: string, specs: string[]) =>
  sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...specs], { cwd: dir });
const emptyProject = (dir: string, extra: Record<string, unknown> = {}) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module", ...extra }, null, 2));
};

let node22: string;
let node24: string;

beforeAll(async () => {
  // 1. Build and pack every publishable package.
  sh(process.execPath, [join(repo, "scripts/build.ts")], { cwd: repo });
  mkdirSync(tarballs);
  sh("npm", ["pack", "--silent", "--pack-destination", tarballs, ...published.flatMap((name) => ["-w", `packages/${name}`])], { cwd: repo });
  const packed = readdirSync(tarballs).map((file) => join(tarballs, file));
  expect(packed).toHaveLength(published.length);

  // 2. An empty project installs the tarballs; their third-party dependencies come from the registry.
  emptyProject(project, { allowScripts: { "node-liblzma": false } });
  npmInstall(project, packed);
  emptyProject(sdkOnly);
  npmInstall(
    sdkOnly,
    packed.filter((file) => /tributary-(sdk|protocol)-/.test(file)),
  );

  // 3. Node 24 is the repository's own (the `node` devDependency); Node 22 comes from the same npm package.
  node24 = join(repo, "node_modules/node/bin/node");
  node22 = join(node22Home, "node_modules/node/bin/node");
  if (!existsSync(node22)) {
    emptyProject(node22Home, { allowScripts: { node: true } });
    npmInstall(node22Home, ["node@22"]);
  }

  writeFileSync(
    join(project, "ping-pong.ts"),
    `import { defineProcessor, type StoredEvent } from "tributary";
export default defineProcessor(() => ({
  slug: "ping-pong",
  initialState: { pings: 0 },
  reduce: ({ event, state }: { event: StoredEvent; state: { pings: number } }) => (event.type === "ping" ? { pings: state.pings + 1 } : state),
  afterAppend: async ({ event, state, append }) => {
    if (event.type === "ping") await append({ event: { type: "pong", payload: { pings: state.pings } } });
  },
}));
`,
  );
  writeFileSync(
    join(project, "app.mjs"),
    `import { createEventsClient } from "tributary";
const [url, path] = process.argv.slice(2);
const client = createEventsClient({ baseUrl: url });
const ping = await client.append({ path, event: { type: "ping" } });
console.log("appended", ping.offset);
for await (const event of client.stream({ path, afterOffset: ping.offset, live: true })) {
  console.log("tailed", event.type, JSON.stringify(event.payload));
  if (event.type === "pong") break;
}
`,
  );
}, timeout);

afterAll(() => {
  for (const child of running) {
    try {
      child.kill();
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});

describe("the packed packages, installed from their tarballs into an empty project", () => {
  it("the SDK alone brings only protocol and zod, no server code; the full install is reported", () => {
    const sdk = installed(sdkOnly);
    expect(sdk.names).toEqual(["@tributary/protocol", "@tributary/sdk", "zod"]);
    const full = installed(project);
    expect(full.names).toEqual(
      expect.arrayContaining(["tributary", "@tributary/cli", "@tributary/server", "@tributary/agent", "@tributary/ui", "@tributary/testing"]),
    );
    expect(full.names).not.toContain("@tributary/bench");
    // The figures the README reports.
    console.log(
      `install sizes: @tributary/sdk ${sdk.names.length} packages, ${(sdk.bytes / 1e6).toFixed(1)} MB; tributary ${full.names.length} packages, ${(full.bytes / 1e6).toFixed(1)} MB`,
    );
    // No TypeScript source ships: dist/ only.
    for (const name of published) {
      const dir = join(project, "node_modules", name === "tributary" ? "tributary" : `@tributary/${name}`);
      expect(existsSync(join(dir, "src")), `${name} ships src/`).toBe(false);
      expect(existsSync(join(dir, "dist")), `${name} ships dist/`).toBe(true);
    }
  });

  it("types resolve for a TypeScript user: the declarations typecheck a program that uses them", () => {
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "nodenext", target: "es2023", strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ["es2023", "dom"] },
        files: ["typed.ts"],
      }),
    );
    writeFileSync(
      join(project, "typed.ts"),
      `import { createEventsClient, defineProcessor, type StoredEvent } from "tributary";
import { PullSubscriptionProcessorRuntime } from "tributary/workshop";
const client = createEventsClient({ baseUrl: "http://127.0.0.1:1" });
const stored: Promise<StoredEvent> = client.append({ path: "/a", event: { type: "x" } });
const counter = defineProcessor(() => ({ slug: "c", initialState: { n: 0 }, reduce: ({ state }) => ({ n: state.n + 1 }) }));
const n: number = counter.initialState.n;
// @ts-expect-error the state is a number, not a string
const wrong: string = counter.initialState.n;
void new PullSubscriptionProcessorRuntime({ processor: counter, streamPath: "/a" });
void stored; void n; void wrong;
`,
    );
    sh(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", project], { cwd: project });
  });

  for (const version of ["22", "24"] as const) {
    it(`on Node ${version}: npx tributary serve serves the bundled UI, npx tributary run runs a processor file, node app.mjs appends and tails${version === "24" ? "; npx tributary deploy runs the same file in the server's sandbox" : ""}`, async () => {
      const nodeBin = version === "22" ? node22 : node24;
      const env = userEnv(nodeBin);
      expect(sh(nodeBin, ["--version"], { cwd: project })).toMatch(new RegExp(`^v${version}\\.`));

      const [, url] = await startUntil(
        "npx",
        ["tributary", "serve", "--port", "0", "--data-dir", join(work, `data-${version}`)],
        env,
        /listening on (http:\/\/\S+)/,
      );
      const html = await (await fetch(`${url}/`)).text();
      const script = /src="(\/assets\/main-[\w-]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeDefined();
      const asset = await fetch(`${url}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toContain("immutable");
      expect((await asset.text()).length).toBeGreaterThan(1000);

      await startUntil("npx", ["tributary", "run", "ping-pong.ts", "--path", `/node${version}`, "--url", url!], env, /is running on/);
      const app = sh(nodeBin, ["app.mjs", url!, `/node${version}`], { cwd: project, env });
      expect(app).toMatch(/^appended 1\ntailed pong \{"pings":1\}\n$/);

      // Hosted processors (isolated-vm) need Node 24: the same file, bundled from the installed package and
      // run by the server in its sandbox, answers with no process of the user's running.
      if (version === "24") {
        const deployed = sh("npx", ["tributary", "deploy", "ping-pong.ts", "--path", "/hosted", "--url", url!], { cwd: project, env });
        expect(deployed).toContain("ping-pong is running on /hosted.");
        const hosted = sh(nodeBin, ["app.mjs", url!, "/hosted"], { cwd: project, env });
        expect(hosted).toMatch(/^appended \d+\ntailed pong \{"pings":1\}\n$/);
      }
    });
  }
});
