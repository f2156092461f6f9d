// A memory plugin for the agent, written as a plain processor: it remembers what the user asks it to
// ("remember that …") and offers it as context in every context window the agent opens. It runs anywhere
// that can reach the server; the agent waits for it a little (the window), never for long.
//
//   npx tributary run examples/agent-plugins/memory.ts --path /me/agent
//   npx tributary append /me/agent '{"type":"agent-input-added","payload":{"content":"remember that my cat is called Tom"}}'
import { defineProcessor } from "tributary";

export default defineProcessor(() => ({
  slug: "memory",
  initialState: { facts: [] as string[] },
  reduce: ({ event, state }) => {
    if (event.type !== "agent-input-added" || typeof event.payload.content !== "string") return undefined;
    const match = /^remember (?:that )?(.+)$/i.exec(event.payload.content.trim());
    return match ? { facts: [...state.facts, match[1]!] } : undefined;
  },
  afterAppend: async ({ event, state, append }) => {
    // Once per input (turn 1): context stays in the history, later turns of the run still see it.
    if (event.type !== "agent-context-window-opened" || event.payload.turn !== 1 || state.facts.length === 0) return;
    const content = `Things the user asked you to remember:\n${state.facts.map((fact) => `- ${fact}`).join("\n")}`;
    await append({ event: { type: "agent-context-added", payload: { content, source: "memory", requestId: event.payload.requestId } } });
  },
}));
