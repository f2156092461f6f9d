import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./support/agent-harness.ts";

/** A real HTTP server on `host` that records each request's path and Authorization header, and answers with `answer`. */
async function startRecorder(host: string, answer: (response: http.ServerResponse) => void) {
  const requests: { path: string; authorization?: string }[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    requests.push({ path: request.url ?? "", authorization: request.headers.authorization });
    answer(response);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let harness: Harness | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const close of closers.splice(0)) await close();
});

describe("the agent's model calls go through the outbound policy", () => {
  it("refuses a provider's redirect to an address the operator did not configure, so neither the request nor the key goes there", async () => {
    // Another loopback address stands for an internal service only the agent's machine can reach.
    const internal = await startRecorder("127.0.0.2", (response) => response.writeHead(200, { "content-type": "application/json" }).end("{}"));
    closers.push(internal.close);
    const provider = await startRecorder("127.0.0.1", (response) => response.writeHead(307, { location: `${internal.url}/v1/chat/completions` }).end());
    closers.push(provider.close);
    harness = await startHarness({ api: "chat", script: [{ text: "unused" }], agent: { baseUrl: `${provider.url}/v1`, apiKey: "sk-operator-secret" } });

    const input = await harness.append({ type: "agent-input-added", payload: { content: "hi" } });
    const ended = await harness.runEnded(input.offset);
    expect(ended.payload.outcome).toBe("failed");
    const [failure] = harness.ofType(await harness.read(), "agent-request-failed");
    expect(failure!.payload.message).toContain("127.0.0.2");
    expect(failure!.payload.message).toMatch(/127.0.0.2 is a loopback or private address; the agent calls those only when one is the host of its base URL/);
    expect(provider.requests.map((request) => request.authorization)).toEqual(["Bearer sk-operator-secret"]);
    expect(internal.requests).toEqual([]);
  });

  it("never calls a metadata address, even as the operator's base URL", async () => {
    harness = await startHarness({ api: "chat", script: [{ text: "unused" }], agent: { baseUrl: "http://169.254.169.254/v1", apiKey: "sk-operator-secret" } });
    const input = await harness.append({ type: "agent-input-added", payload: { content: "hi" } });
    expect((await harness.runEnded(input.offset)).payload.outcome).toBe("failed");
    const [failure] = harness.ofType(await harness.read(), "agent-request-failed");
    expect(failure!.payload.message).toMatch(/169\.254\.169\.254 is a link-local, metadata or multicast address/);
  });
});
