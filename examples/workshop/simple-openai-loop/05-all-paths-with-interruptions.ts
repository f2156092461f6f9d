// Step 5: every stream under the prefix (PullSubscriptionPatternProcessorRuntime), and a new input aborts the
// request still running for its stream, recording llm-request-started / -completed / -canceled.
import { randomUUID } from "node:crypto";
import OpenAI from "openai";
import type { ResponseInput } from "openai/resources/responses/responses";
import { os } from "@orpc/server";
import { createEventsClient, defineProcessor, PullSubscriptionPatternProcessorRuntime } from "tributary/workshop";

type State = { history: ResponseInput; requestId: string | null };
const initialState: State = { history: [], requestId: null };

export default os.handler(async () => {
  const processor = defineProcessor(() => {
    const openai = new OpenAI();
    const active = new Map<string, { controller: AbortController; requestId: string }>();
    return {
      slug: "simple-openai-loop",
      initialState,
      reduce: ({ event, state }) => {
        if (event.type === "llm-input-added" || event.type === "llm-output-added") {
          const role = event.type === "llm-input-added" ? "user" : "assistant";
          const history: ResponseInput = [...state.history, { role, content: (event.payload as { content: string }).content }];
          return { ...state, history };
        }
        if (event.type === "llm-request-started") return { ...state, requestId: (event.payload as { requestId: string }).requestId };
        if (event.type === "llm-request-completed" || event.type === "llm-request-canceled") return { ...state, requestId: null };
        return state;
      },
      afterAppend: async ({ append, event, state }) => {
        if (event.type !== "llm-input-added") return;
        const running = active.get(event.streamPath);
        if (running) {
          running.controller.abort();
          active.delete(event.streamPath);
          await append({ event: { type: "llm-request-canceled", payload: { requestId: running.requestId } } });
        }
        const requestId = randomUUID();
        const controller = new AbortController();
        active.set(event.streamPath, { controller, requestId });
        await append({ event: { type: "llm-request-started", payload: { requestId } } });
        try {
          const response = await openai.responses.create({ model: "gpt-4o-mini", input: state.history }, { signal: controller.signal });
          await append({ event: { type: "llm-output-added", payload: { content: response.output_text } } });
          await append({ event: { type: "llm-request-completed", payload: { requestId } } });
        } catch (error) {
          if (!(error instanceof Error && error.name === "AbortError")) throw error;
        } finally {
          if (active.get(event.streamPath)?.requestId === requestId) active.delete(event.streamPath);
        }
      },
    };
  });

  const streamPattern = `${process.env.PATH_PREFIX}/**`;
  console.log(`Watching ${streamPattern}`);
  await new PullSubscriptionPatternProcessorRuntime({ eventsClient: createEventsClient(), processor, streamPattern }).run();
});
