export * from "./mock-llm/index.ts";
