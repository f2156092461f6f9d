// `tributary/agent`: the agent harness (LLM processor, tools, sub-agents, mock-llm). See docs/agent.md.
export * from "@tributary/agent";
