import { describe, expect, it } from "vitest";
import { builtinEventTypes, eventInputSchema } from "@tributary/protocol";
import { agentEventTypes, parseAgentPayload } from "@tributary/agent";
import { agentPresets, presetsFrom } from "../src/views/presets.ts";

describe("composer presets", () => {
  // The shape of GET /api/docs/events?format=json.
  const docs = [...builtinEventTypes.values()].map((t) => ({
    ...t,
    example: { type: t.type, payload: t.example },
    preset: t.appendedBy === "server" ? null : (t.preset ?? { type: t.type, payload: t.example }),
  }));
  const presets = presetsFrom(docs);

  it("start with the agent input and include every built-in type, server-appended ones last", () => {
    expect(presets[0]?.event).toEqual({ type: "agent-input-added", payload: { content: "Hello! What can you do?" } });
    expect(presets.map((preset) => preset.event.type)).toEqual(expect.arrayContaining([...builtinEventTypes.keys()]));
    const groups = presets.map((preset) => preset.group);
    expect(groups.lastIndexOf("Built-in")).toBeLessThan(groups.indexOf("Built-in (appended by the server)"));
  });

  it("are valid event inputs whose payloads the built-in schemas accept", () => {
    for (const { event } of presets) {
      expect(eventInputSchema.safeParse(event).success).toBe(true);
      const builtin = builtinEventTypes.get(event.type);
      if (builtin) expect(builtin.payload.safeParse(event.payload).success, event.type).toBe(true);
    }
  });

  it("offer agent events whose payloads the agent's own schemas accept, for types a person appends", () => {
    for (const { event } of agentPresets) {
      expect(parseAgentPayload(event.type, event.payload), event.type).toMatchObject({ ok: true });
      expect(["you", "anyone"]).toContain(agentEventTypes.get(event.type)?.appendedBy);
    }
  });

  it("use a type's own preset where its docs give one", () => {
    for (const type of builtinEventTypes.values()) {
      if (type.preset) expect(presets.find((preset) => preset.label === type.type)?.event).toEqual(type.preset);
    }
  });

  it("deploy a ping-pong processor whose source is a module with a default export", () => {
    const deploy = presets.find((preset) => preset.event.type === "processor/deployed");
    expect(deploy?.event.payload).toMatchObject({ slug: "ping-pong", script: expect.stringContaining("export default") });
  });
});
