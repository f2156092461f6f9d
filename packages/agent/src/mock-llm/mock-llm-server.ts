import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chatCompletionBody, chatCompletionSteps } from "./chat-completions-encoder.ts";
import { MockScriptError, parseMockScript, type MockScript, type MockScriptInput } from "./mock-script.ts";
import { planReply } from "./reply-plan.ts";
import { responsesBody, responsesSteps } from "./responses-encoder.ts";
import { summarizeChatRequest, summarizeResponsesRequest, type RequestSummary } from "./summarize-request.ts";
import { createTurnSelector } from "./turn-selector.ts";
import { delayReply, writeSteps } from "./write-reply.ts";

/** A request the mock model received, as recorded for tests to assert on. */
export interface MockLlmRequest {
  sequence: number;
  api: "chat" | "responses";
  path: string;
  body: Record<string, unknown>;
  summary: RequestSummary;
  authorization: string | undefined;
  /** Index of the script turn that answered, -1 for the fallback, null when nothing could. */
  turn: number | null;
  /** Content chunks streamed before the reply ended, broke or stalled. */
  chunksSent: number;
  /** True once the response is over (completed, failed, disconnected or abandoned by the client). */
  finished: boolean;
  receivedAt: string;
}

export interface MockLlmOptions {
  port?: number;
  host?: string;
  /** The script to play; by default every request is answered by echoing the last user message. */
  script?: string | MockScriptInput;
  /** Model ids listed by `GET /v1/models`. */
  models?: string[];
}

export interface MockLlm {
  /** `http://host:port`. */
  url: string;
  /** `url + "/v1"`: what an OpenAI client takes as `baseURL`. */
  baseUrl: string;
  /** Every model request received, oldest first. */
  requests: MockLlmRequest[];
  /** Replaces the script (and its consumed turns). */
  load(script: string | MockScriptInput): void;
  /** Opens a gate: replies held by `gate: name` go on (now, or as soon as they arrive). */
  openGate(name: string): void;
  clearRequests(): void;
  close(): Promise<void>;
}

const echoScript = (): MockScript => ({ turns: [], fallback: { echo: true } });

const sendJson = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};
const sendError = (response: ServerResponse, status: number, message: string, type = "invalid_request_error", code?: string) =>
  sendJson(response, status, { error: { message, type, param: null, code: code ?? null } });

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/**
 * Starts a scripted, OpenAI-compatible model server over real HTTP: `POST /v1/chat/completions` and
 * `POST /v1/responses` (streamed or not), `GET /v1/models`, plus control routes for other processes:
 * `PUT /mock/script` (JSON or YAML body), `GET /mock/requests`, `DELETE /mock/requests`, `POST /mock/gates/<name>`.
 *
 * @example
 * const llm = await startMockLlm({ script: [{ text: "Hello there" }] });
 * const openai = new OpenAI({ baseURL: llm.baseUrl, apiKey: "test" });
 * await openai.chat.completions.create({ model: "mock", messages: [{ role: "user", content: "hi" }] });
 * llm.requests[0].summary.lastUser; // "hi"
 * await llm.close();
 */
export async function startMockLlm(options: MockLlmOptions = {}): Promise<MockLlm> {
  let selector = createTurnSelector(options.script === undefined ? echoScript() : parseMockScript(options.script));
  const requests: MockLlmRequest[] = [];
  const models = options.models ?? ["mock-model"];
  const gates = new Map<string, { opened: Promise<void>; open: () => void }>();
  const gate = (name: string) => {
    let entry = gates.get(name);
    if (!entry) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      gates.set(name, (entry = { opened, open }));
    }
    return entry;
  };

  async function answerModel(api: "chat" | "responses", request: IncomingMessage, response: ServerResponse, raw: string) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("the body must be a JSON object");
    } catch (error) {
      return sendError(response, 400, `mock-llm: the request body is not a JSON object: ${(error as Error).message}`);
    }
    if (typeof body.model !== "string" || body.model === "") return sendError(response, 400, "mock-llm: `model` is required (a string).");
    if (api === "chat" && !Array.isArray(body.messages)) return sendError(response, 400, "mock-llm: `messages` is required (an array).");
    if (api === "responses" && body.input === undefined) return sendError(response, 400, "mock-llm: `input` is required.");
    const summary = api === "chat" ? summarizeChatRequest(body) : summarizeResponsesRequest(body);
    const choice = selector.select(summary);
    const record: MockLlmRequest = {
      sequence: requests.length + 1,
      api,
      path: request.url ?? "",
      body,
      summary,
      authorization: request.headers.authorization,
      turn: choice ? choice.index : null,
      chunksSent: 0,
      finished: false,
      receivedAt: new Date().toISOString(),
    };
    requests.push(record);
    const clientGone = new Promise<void>((resolve) => response.once("close", () => resolve()));
    void clientGone.then(() => (record.finished = true));
    if (!choice) {
      return sendError(
        response,
        500,
        `mock-llm: no script turn is left for request ${record.sequence} (last user message: ${JSON.stringify(summary.lastUser.slice(0, 200))}).`,
        "server_error",
        "mock_script_exhausted",
      );
    }
    const reply = choice.reply;
    if (reply.gate !== undefined) await Promise.race([gate(reply.gate).opened, clientGone]);
    await delayReply(reply, clientGone);
    if (reply.error) return sendError(response, reply.error.status, reply.error.message, reply.error.type, reply.error.code);
    const plan = planReply(reply, { sequence: record.sequence, model: summary.model, requestText: raw, lastUser: summary.lastUser });
    if (!summary.stream) return sendJson(response, 200, api === "chat" ? chatCompletionBody(plan) : responsesBody(plan));
    const steps = api === "chat" ? chatCompletionSteps(plan, summary.includeUsage) : responsesSteps(plan);
    record.chunksSent = await writeSteps(response, steps, reply, clientGone);
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    const path = (request.url ?? "/").split("?")[0]!.replace(/\/+$/, "") || "/";
    const method = request.method ?? "GET";
    const raw = await readBody(request);
    if (method === "POST" && path === "/v1/chat/completions") return answerModel("chat", request, response, raw);
    if (method === "POST" && path === "/v1/responses") return answerModel("responses", request, response, raw);
    if (method === "GET" && path === "/v1/models") {
      return sendJson(response, 200, { object: "list", data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "tributary-mock-llm" })) });
    }
    if (method === "GET" && path.startsWith("/v1/models/")) {
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      return sendJson(response, 200, { id, object: "model", created: 0, owned_by: "tributary-mock-llm" });
    }
    if (path === "/mock/requests" && method === "GET") return sendJson(response, 200, { requests });
    if (path === "/mock/requests" && method === "DELETE") {
      requests.length = 0;
      return sendJson(response, 200, { cleared: true });
    }
    if (path === "/mock/script" && (method === "PUT" || method === "POST")) {
      try {
        mock.load(raw);
      } catch (error) {
        return sendError(response, 400, (error as Error).message, "invalid_request_error", "invalid_mock_script");
      }
      return sendJson(response, 200, { loaded: true, turns: selector.remaining() });
    }
    if (method === "POST" && path.startsWith("/mock/gates/")) {
      mock.openGate(decodeURIComponent(path.slice("/mock/gates/".length)));
      return sendJson(response, 200, { opened: true });
    }
    if (method === "GET" && path === "/") return sendJson(response, 200, { name: "tributary mock-llm", baseUrl: mock.baseUrl, requests: requests.length });
    return sendError(
      response,
      404,
      `mock-llm: no route for ${method} ${path}; try POST /v1/chat/completions or POST /v1/responses.`,
      "invalid_request_error",
      "not_found",
    );
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, `mock-llm: ${(error as Error).message}`, "server_error");
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const mock: MockLlm = {
    url,
    baseUrl: `${url}/v1`,
    requests,
    load(script) {
      selector = createTurnSelector(parseMockScript(script));
    },
    openGate(name) {
      gate(name).open();
    },
    clearRequests() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return mock;
}

export { MockScriptError };
