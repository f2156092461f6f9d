import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockLlm, type MockLlm } from "../src/mock-llm/index.ts";
import { waitFor } from "./support/wait-for.ts";

let llm: MockLlm;
let openai: OpenAI;
beforeAll(async () => {
  llm = await startMockLlm();
  openai = new OpenAI({ baseURL: llm.baseUrl, apiKey: "sk-test", maxRetries: 0 });
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => llm.clearRequests());

describe("mock-llm over the Chat Completions API", () => {
  it("streams scripted text in word chunks that the openai SDK reassembles", async () => {
    llm.load([{ text: "Hello there, streaming friend." }]);
    const stream = await openai.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
    const pieces: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(pieces).toEqual(["Hello ", "there, ", "streaming ", "friend."]);
    expect(finish).toBe("stop");
  });

  it("streams a tool call whose arguments arrive in fragments, through the SDK's stream helper", async () => {
    llm.load([{ toolCalls: [{ name: "shell", arguments: { command: "ls -la /tmp" }, id: "call_x" }] }]);
    const runner = openai.chat.completions.stream({
      model: "m",
      messages: [{ role: "user", content: "list" }],
      tools: [{ type: "function", function: { name: "shell", parameters: { type: "object" } } }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call).toMatchObject({ id: "call_x", type: "function", function: { name: "shell" } });
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({ command: "ls -la /tmp" });
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("answers a non-streamed request with a whole completion and usage", async () => {
    llm.load([{ text: "whole" }]);
    const completion = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("whole");
    expect(completion.usage!.total_tokens).toBeGreaterThan(0);
  });

  it("sends usage in a last chunk when stream_options asks for it", async () => {
    llm.load([{ text: "a b", usage: { inputTokens: 7, outputTokens: 2 } }]);
    const stream = await openai.chat.completions.create({
      model: "m",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    let usage: unknown;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 });
  });

  it("reports scripted cached and reasoning tokens in both APIs' usage details", async () => {
    llm.load([
      { text: "a", usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60, reasoningTokens: 8 } },
      { text: "b", usage: { inputTokens: 50, outputTokens: 10, cachedInputTokens: 5, reasoningTokens: 3 } },
    ]);
    const stream = await openai.chat.completions.create({
      model: "m",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    let usage: unknown;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 20,
      prompt_tokens_details: { cached_tokens: 60 },
      completion_tokens_details: { reasoning_tokens: 8 },
    });
    const response = await openai.responses.create({ model: "m", input: "hi" });
    expect(response.usage).toMatchObject({
      input_tokens: 50,
      output_tokens: 10,
      input_tokens_details: { cached_tokens: 5 },
      output_tokens_details: { reasoning_tokens: 3 },
    });
  });
});

describe("mock-llm over the Responses API", () => {
  it("streams text deltas as response events that the SDK's ResponseStream accepts", async () => {
    llm.load([{ text: "One two three" }]);
    const stream = openai.responses.stream({ model: "m", input: "count", instructions: "be brief" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(["One ", "two ", "three"]);
    expect(final.output_text).toBe("One two three");
    expect(final.status).toBe("completed");
    expect(llm.requests[0]!.summary).toMatchObject({ api: "responses", system: "be brief", lastUser: "count" });
  });

  it("streams text followed by a function call with its call_id, name and arguments", async () => {
    llm.load([{ text: "Let me look.", toolCalls: [{ name: "read_file", arguments: { path: "a.txt" } }] }]);
    const final = await openai.responses.stream({ model: "m", input: [{ role: "user", content: "read a.txt" }] }).finalResponse();
    const call = final.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "read_file", call_id: "call_1_0" });
    expect(JSON.parse((call as { arguments: string }).arguments)).toEqual({ path: "a.txt" });
    expect(final.output_text).toBe("Let me look.");
  });

  it("answers a non-streamed request with a response object", async () => {
    llm.load([{ text: "plain" }]);
    const response = await openai.responses.create({ model: "m", input: "hi" });
    expect(response.output_text).toBe("plain");
  });

  it("matches on the last user message of a request with tool outputs", async () => {
    llm.load([{ text: "generic" }, { match: { user: "weather", last: "/sunny/i" }, text: "It is sunny." }]);
    const response = await openai.responses.create({
      model: "m",
      input: [
        { role: "user", content: "what's the weather?" },
        { type: "function_call", call_id: "c1", name: "weather", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "SUNNY and warm" },
      ],
    });
    expect(response.output_text).toBe("It is sunny.");
    expect(llm.requests[0]!.turn).toBe(1);
  });
});

describe("mock-llm scripts", () => {
  it("prefers a matching turn over turns in order, then plays the rest in order", async () => {
    llm.load({ turns: [{ text: "first" }, { text: "second" }, { match: "research", text: "research result" }] });
    const ask = async (content: string) =>
      (await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content }] })).choices[0]!.message.content;
    expect(await ask("please research X")).toBe("research result");
    expect(await ask("anything")).toBe("first");
    expect(await ask("please research again")).toBe("second");
  });

  it("answers with a clear 500 once the script is used up, and with a fallback when one is set", async () => {
    llm.load([{ text: "only" }]);
    await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "1" }] });
    const error = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "2" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    expect((error as Error).message).toContain("no script turn is left");
    llm.load({ turns: [], fallback: { text: "fallback: ", echo: true } });
    const completion = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "ping" }] });
    expect(completion.choices[0]!.message.content).toBe("fallback: ping");
  });

  it("loads a YAML script over HTTP and refuses an invalid one with 400 and the reason", async () => {
    const yaml = "turns:\n  - match: { model: special }\n    text: from yaml\n";
    const loaded = await fetch(`${llm.url}/mock/script`, { method: "PUT", body: yaml });
    expect(loaded.status).toBe(200);
    const completion = await openai.chat.completions.create({ model: "special", messages: [{ role: "user", content: "x" }] });
    expect(completion.choices[0]!.message.content).toBe("from yaml");
    const bad = await fetch(`${llm.url}/mock/script`, { method: "PUT", body: JSON.stringify({ turns: [{ txet: "typo" }] }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain("txet");
    const recorded = await (await fetch(`${llm.url}/mock/requests`)).json();
    expect(recorded.requests.map((r: { body: { model: string } }) => r.body.model)).toEqual(["special"]);
  });

  it("answers a scripted HTTP error with the status and OpenAI's error shape", async () => {
    llm.load([{ error: { status: 429, message: "slow down", type: "rate_limit_error" } }]);
    const error = await openai.responses.create({ model: "m", input: "hi" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as Error).message).toContain("slow down");
  });

  it("breaks the connection mid-stream when told to, after the chunks before it arrived", async () => {
    llm.load([{ text: "one two three four", disconnectAfterChunks: 2 }]);
    const stream = await openai.chat.completions.create({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
    const pieces: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) pieces.push(chunk.choices[0].delta.content);
    })().catch((e: unknown) => e);
    expect(pieces).toEqual(["one ", "two "]);
    expect(error).toBeInstanceOf(Error);
  });

  it("holds a stalled stream open until the client aborts it, and records that it ended", async () => {
    llm.load([{ text: "a b c", stallAfterChunks: 1 }]);
    const controller = new AbortController();
    const stream = await openai.responses.create({ model: "m", input: "hi", stream: true }, { signal: controller.signal });
    const deltas: string[] = [];
    const consumed = (async () => {
      for await (const event of stream) {
        if (event.type === "response.output_text.delta") {
          deltas.push(event.delta);
          controller.abort();
        }
      }
    })().catch((e: unknown) => e);
    await consumed; // the SDK ends the iteration quietly on abort
    expect(deltas).toEqual(["a "]);
    expect(controller.signal.aborted).toBe(true);
    await waitFor(() => llm.requests[0]!.finished, "the mock to see the client leave");
    expect(llm.requests[0]!.chunksSent).toBe(1);
  });

  it("holds a gated reply until the gate is opened over HTTP", async () => {
    llm.load([{ text: "released", gate: "g" }]);
    let answered = false;
    const pending = openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "wait" }] }).then((c) => ((answered = true), c));
    await waitFor(() => llm.requests.length === 1, "the request to arrive");
    expect(answered).toBe(false);
    expect((await fetch(`${llm.url}/mock/gates/g`, { method: "POST" })).status).toBe(200);
    expect((await pending).choices[0]!.message.content).toBe("released");
  });

  it("lists models and answers malformed requests with 400 and what to fix", async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["mock-model"]);
    const noModel = await fetch(`${llm.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [] }) });
    expect(noModel.status).toBe(400);
    expect((await noModel.json()).error.message).toContain("`model` is required");
    const notJson = await fetch(`${llm.baseUrl}/responses`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("records the request body and authorization header of every request", async () => {
    llm.load([{ text: "ok" }]);
    await openai.chat.completions.create({
      model: "m",
      messages: [
        { role: "system", content: "sys" },
        { role: "user", content: "hello" },
      ],
    });
    expect(llm.requests[0]).toMatchObject({ api: "chat", authorization: "Bearer sk-test", summary: { system: "sys", lastUser: "hello" } });
    expect(llm.requests[0]!.body.messages).toHaveLength(2);
  });
});
