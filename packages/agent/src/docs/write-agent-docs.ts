// Regenerates the event vocabulary section of docs/agent.md from the zod schemas:
//   npx node packages/agent/src/docs/write-agent-docs.ts
import { readFileSync, writeFileSync } from "node:fs";
import { withGeneratedEventDocs } from "./agent-event-docs.ts";

const file = new URL("../../../../docs/agent.md", import.meta.url);
writeFileSync(file, withGeneratedEventDocs(readFileSync(file, "utf8")));
console.log(`wrote ${file.pathname}`);
