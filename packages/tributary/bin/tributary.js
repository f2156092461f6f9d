#!/usr/bin/env node
// Plain JavaScript so that an old Node gets a clear message instead of a syntax error.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`tributary needs Node.js 24 or newer; this is ${process.version}. Run it through npm (npx tributary …), which uses the project's pinned Node.`);
  process.exit(1);
}
const { main } = await import("@tributary/cli");
process.exitCode = await main(process.argv.slice(2));
