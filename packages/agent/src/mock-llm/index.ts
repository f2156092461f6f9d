export * from "./mock-llm-server.ts";
export * from "./mock-script.ts";
export type { RequestSummary } from "./summarize-request.ts";
