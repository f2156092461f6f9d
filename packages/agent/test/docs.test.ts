import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { agentEventTypes } from "../src/agent-event-types.ts";
import { renderAgentEventDocs, withGeneratedEventDocs } from "../src/docs/agent-event-docs.ts";

const docs = readFileSync(new URL("../../../docs/agent.md", import.meta.url), "utf8");

describe("docs/agent.md", () => {
  it("embeds the event vocabulary exactly as generated from the schemas", () => {
    expect(docs).toBe(withGeneratedEventDocs(docs));
    for (const type of agentEventTypes.keys()) expect(renderAgentEventDocs()).toContain(`### \`${type}\``);
  });

  it("shows for every agent event type an example that its schema accepts", () => {
    for (const entry of agentEventTypes.values()) {
      const result = entry.payload.safeParse(entry.example);
      expect(result.success, `${entry.type}: ${result.error?.message}`).toBe(true);
    }
  });
});
