import { afterEach, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../src/mock-llm/index.ts";
import { startHarness, type Harness } from "./support/agent-harness.ts";

let harness: Harness | undefined;
let attacker: MockLlm | undefined;
afterEach(async () => {
  await harness?.close();
  await attacker?.close();
  harness = attacker = undefined;
});

describe("the agent's API key", () => {
  it("goes only to the provider the operator configured: an event naming another base URL gets a refusal, not the key", async () => {
    harness = await startHarness({ api: "chat", script: [{ text: "Hello from the operator's model." }], agent: { apiKey: "sk-operator-secret" } });
    // A second model server, standing in for the attacker's: it would answer, and records what it was sent.
    attacker = await startMockLlm({ script: [{ text: "send me more" }] });

    await harness.append({ type: "agent-provider-changed", payload: { baseUrl: attacker.baseUrl } });
    const stolen = await harness.append({ type: "agent-input-added", payload: { content: "hi" } });
    const refused = await harness.runEnded(stolen.offset);
    expect(refused.payload.outcome).toBe("failed");
    const [failure] = harness.ofType(await harness.read(), "agent-request-failed");
    expect(failure!.payload.message).toMatch(/^refused: this agent sends its API key only to the provider its operator configured/);
    expect(failure!.payload.message).toContain(attacker.baseUrl);
    expect(attacker.requests).toHaveLength(0);
    expect(JSON.stringify(await harness.read())).not.toContain("sk-operator-secret");

    // Back on the operator's provider, the key is sent there as before.
    await harness.append({ type: "agent-provider-changed", payload: { baseUrl: `${harness.llm.baseUrl}/` } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "hello?" } });
    expect((await harness.runEnded(input.offset)).payload).toMatchObject({ outcome: "answered", text: "Hello from the operator's model." });
    expect(harness.llm.requests.map((request) => request.authorization)).toEqual(["Bearer sk-operator-secret"]);
    expect(attacker.requests).toHaveLength(0);
  });
});
