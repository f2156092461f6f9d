import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "@tributary/protocol";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { appendJson, readEvents, waitFor } from "./support/http.ts";
import { startReceiver, stateOf } from "./builtins-support.ts";

let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  server = await startTestServer();
  receiver = await startReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

const subscribe = (path: string, payload: Record<string, unknown>) => appendJson(server.url, path, { type: "subscription/configured", payload });
const putSecret = (name: string, value: string, allowedHosts?: string[]) =>
  fetch(`${server.url}/api/secrets/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value, ...(allowedHosts ? { allowedHosts } : {}) }),
  });
const deliveredTo = (path: string) => receiver.received.filter((delivery) => delivery.event.streamPath === path);
const failures = async (path: string) => (await readEvents(server.url, path)).filter((event) => event.type === "subscription/delivery-failed");

describe("subscription headers never carry a credential in the stream", () => {
  it("refuses the docs' own example (a bearer token in headers), and a credential in a header of any name, with 400 naming the fix", async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ authorization: "Bearer sk-live-0123456789" }, /headers\.authorization: a credential belongs in a secret/],
      [{ "x-hub": "Bearer abc" }, /headers\.x-hub: .*\{\{secret:<name>\}\}/],
      [{ "x-custom": "Basic dXNlcjpwYXNz" }, /headers\.x-custom/],
      [{ "x-signature-thing": "ghp_0123456789abcdefABCDEF0123456789abcd" }, /headers\.x-signature-thing/],
      [{ "x-team": "core", "x-forward": "sk-proj-aaaaBBBBccccDDDD1111" }, /headers\.x-forward/],
    ];
    for (const [headers, message] of cases) {
      const response = await subscribe("/leak/refused", { slug: "hook", url: receiver.url, headers });
      expect(response.status, JSON.stringify(headers)).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    expect(await readEvents(server.url, "/leak/refused")).toEqual([]);
    // Plain, non-secret headers are fine.
    expect((await subscribe("/leak/refused", { slug: "hook", url: receiver.url, headers: { "x-team": "core", "content-language": "en" } })).status).toBe(201);
  });

  it("sends a secret only to a host the secret is bound to; elsewhere the delivery fails naming the secret and the host, never the value", async () => {
    const receiverHost = new URL(receiver.url).host;
    expect((await putSecret("bound-token", "value-for-the-receiver-only", [receiverHost])).status).toBe(201);
    expect((await putSecret("unbound-token", "value-bound-nowhere")).status).toBe(201);
    expect((await putSecret("elsewhere-token", "value-for-another-host", ["api.example.com"])).status).toBe(201);

    const allowed = "/leak/allowed";
    await subscribe(allowed, { slug: "ok", url: receiver.url, headers: { authorization: "Bearer {{secret:bound-token}}" } });
    await appendJson(server.url, allowed, { type: "note" });
    const [delivery] = await waitFor(() => (deliveredTo(allowed).length === 1 ? deliveredTo(allowed) : undefined), "the delivery");
    expect(delivery!.headers.authorization).toBe("Bearer value-for-the-receiver-only");

    for (const [path, secret] of [
      ["/leak/unbound", "unbound-token"],
      ["/leak/elsewhere", "elsewhere-token"],
    ] as const) {
      await subscribe(path, { slug: "no", url: receiver.url, headers: { "x-api-key": `{{secret:${secret}}}` } });
      await appendJson(server.url, path, { type: "note" });
      const [failed] = await waitFor(async () => {
        const list = await failures(path);
        return list.length > 0 ? list : undefined;
      }, `the refused delivery on ${path}`);
      expect(failed!.payload.error).toContain(`the secret '${secret}' in header x-api-key is not bound to ${receiverHost}`);
      expect(failed!.payload.error).toContain("allowedHosts");
      expect(deliveredTo(path)).toEqual([]);
    }
    const everything = JSON.stringify([
      ...(await readEvents(server.url, allowed)),
      ...(await readEvents(server.url, "/leak/unbound")),
      ...(await readEvents(server.url, "/leak/elsewhere")),
      await stateOf(server.url, allowed),
    ]);
    for (const value of ["value-for-the-receiver-only", "value-bound-nowhere", "value-for-another-host"]) expect(everything).not.toContain(value);
  });

  it("checks the bound hosts again when a subscription is pointed somewhere else", async () => {
    const path = "/leak/moved";
    expect((await putSecret("moved-token", "moved-value", [new URL(receiver.url).host])).status).toBe(201);
    await subscribe(path, { slug: "m", url: receiver.url, headers: { authorization: "Bearer {{secret:moved-token}}" } });
    await appendJson(server.url, path, { type: "note" });
    await waitFor(() => deliveredTo(path).length === 1, "the first delivery");
    // Same receiver, other name: localhost is not the host the secret was bound to.
    await subscribe(path, { slug: "m", url: receiver.url.replace("127.0.0.1", "localhost"), headers: { authorization: "Bearer {{secret:moved-token}}" } });
    await appendJson(server.url, path, { type: "note" });
    const [failed] = await waitFor(async () => {
      const list = await failures(path);
      return list.length > 0 ? list : undefined;
    }, "the refused delivery");
    expect((failed as StoredEvent).payload.error).toContain("not bound to localhost");
    expect(deliveredTo(path).filter((delivery) => delivery.headers.host?.startsWith("localhost"))).toEqual([]);
  });
});
