#!/usr/bin/env node
// Plain JavaScript so that an old Node gets a clear message instead of a syntax error.
import { existsSync } from "node:fs";
import module from "node:module";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(
    `tributary needs Node.js 22.13 or newer (24 recommended); this is ${process.version}. Install a newer Node.js, or run it through npm with a pinned one (npm install node@24).`,
  );
  process.exit(1);
}

// In a checkout of the Tributary repository (where src/ sits next to this bin; published packages ship
// only dist/), resolve every @tributary/* package to its TypeScript source instead of a build: the packages'
// exports map the "tributary-source" condition to ./src. NODE_OPTIONS carries it to child processes.
if (existsSync(new URL("../src/index.ts", import.meta.url))) {
  if (typeof module.registerHooks !== "function") {
    console.error(`A checkout of the Tributary repository runs on the Node.js it pins (24); this is ${process.version}. Use npx tributary or npm run … there.`);
    process.exit(1);
  }
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      return nextResolve(specifier, { ...context, conditions: [...context.conditions, "tributary-source"] });
    },
  });
  if (!/--conditions=tributary-source/.test(process.env.NODE_OPTIONS ?? "")) {
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=tributary-source`.trim();
  }
}

const { main } = await import("@tributary/cli");
process.exitCode = await main(process.argv.slice(2));
