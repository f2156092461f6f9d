// Cheat sheet 1 of the workshop: an agent as one processor. History is reduced from agent-input-added
// events (validated with zod), and each user input is answered by a model call appended as the assistant.
import OpenAI from "openai";
import { z } from "zod";
import { defineProcessor, PullProcessorRuntime } from "tributary/workshop";

const AgentInput = z.object({
  content: z.string(),
  role: z.enum(["user", "assistant"]),
});

export const AgentInputEvent = z.object({
  type: z.literal("agent-input-added"),
  payload: AgentInput,
});

type AgentState = { history: z.infer<typeof AgentInput>[] };

export const processor = defineProcessor<AgentState>(() => {
  const openai = new OpenAI();
  return {
    slug: "agent",
    initialState: { history: [] },
    reduce: ({ event, state }) => {
      const { success, data } = AgentInputEvent.safeParse(event);
      if (success) return { history: [...state.history, data.payload] };
    },
    afterAppend: async ({ append, event, state, logger }) => {
      const { success, data } = AgentInputEvent.safeParse(event);
      if (!success || data.payload.role !== "user") {
        logger.info("Ignoring event", event);
        return;
      }
      const response = await openai.chat.completions.create({ model: "gpt-5.2", messages: state.history });
      await append({
        event: { type: "agent-input-added", payload: { content: response.choices[0]?.message.content ?? "", role: "assistant" } },
      });
    },
  };
});

if (import.meta.main) {
  await new PullProcessorRuntime({
    path: "/video",
    includeChildren: true,
    processor,
  }).run();
}
