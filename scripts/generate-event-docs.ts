// Writes docs/event-types/<type>.md for every built-in event type, from the zod schemas, and an index.
// `npm run docs:events` regenerates them; a test fails when they are out of date.
import { mkdirSync, writeFileSync } from "node:fs";
import { renderEventTypeDocs } from "../packages/server/src/docs/event-type-docs.ts";

const outDir = new URL("../docs/event-types/", import.meta.url);
for (const [file, content] of renderEventTypeDocs()) {
  const target = new URL(file, outDir);
  mkdirSync(new URL(".", target), { recursive: true });
  writeFileSync(target, content);
}
console.log(`wrote ${renderEventTypeDocs().size} files to docs/event-types/`);
