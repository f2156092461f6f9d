import type { EventInput } from "@tributary/protocol";

/**
 * One agent conversation as the agent appends it (the vocabulary of packages/agent/src/events.ts): config,
 * a tool announced, an input, a request that streams a tool call, the tool's result, a second request
 * that streams the answer, and the end of the run. The input is the third event (offset 3).
 */
export const agentConversation: EventInput[] = [
  { type: "agent-model-changed", payload: { model: "mock-model" } },
  {
    type: "agent-tool-announced",
    payload: {
      name: "shell",
      description: "Run a bash command.",
      parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    },
  },
  { type: "agent-input-added", payload: { content: "Which files are here?" } },
  { type: "agent-context-window-opened", payload: { requestId: "3.1", inputOffset: 3, turn: 1, windowMs: 200 } },
  { type: "agent-request-started", payload: { requestId: "3.1", inputOffset: 3, turn: 1, model: "mock-model", api: "chat", tools: ["shell"] } },
  {
    type: "agent-output-chunk-received",
    payload: { requestId: "3.1", index: 0, toolCalls: [{ index: 0, callId: "call_1", name: "shell", argumentsDelta: '{"command":' }], raw: {} },
  },
  { type: "agent-output-chunk-received", payload: { requestId: "3.1", index: 1, toolCalls: [{ index: 0, argumentsDelta: '"ls"}' }], raw: {} } },
  {
    type: "agent-output-completed",
    payload: { requestId: "3.1", text: "", toolCalls: [{ callId: "call_1", name: "shell", arguments: '{"command":"ls"}' }], finishReason: "tool_calls" },
  },
  {
    type: "agent-tool-call-requested",
    payload: { callId: "call_1", requestId: "3.1", name: "shell", arguments: '{"command":"ls"}', input: { command: "ls" } },
  },
  { type: "agent-tool-call-completed", payload: { callId: "call_1", name: "shell", output: "exit code 0\nREADME.md\npackage.json\n" } },
  { type: "agent-context-window-opened", payload: { requestId: "3.2", inputOffset: 3, turn: 2, windowMs: 200 } },
  { type: "agent-request-started", payload: { requestId: "3.2", inputOffset: 3, turn: 2, model: "mock-model", api: "chat", tools: ["shell"] } },
  { type: "agent-output-chunk-received", payload: { requestId: "3.2", index: 0, text: "There are two files: ", raw: {} } },
  { type: "agent-output-chunk-received", payload: { requestId: "3.2", index: 1, text: "README.md and ", raw: {} } },
  { type: "agent-output-chunk-received", payload: { requestId: "3.2", index: 2, text: "package.json.", raw: {} } },
  {
    type: "agent-output-completed",
    payload: {
      requestId: "3.2",
      text: "There are two files: README.md and package.json.",
      toolCalls: [],
      finishReason: "stop",
      usage: { inputTokens: 120, outputTokens: 12 },
    },
  },
  { type: "agent-run-ended", payload: { inputOffset: 3, outcome: "answered", text: "There are two files: README.md and package.json.", turns: 2 } },
];
