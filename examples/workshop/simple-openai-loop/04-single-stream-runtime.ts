// Step 4: the history moves into reduce, the model call into afterAppend, and PullSubscriptionProcessorRuntime
// does the catch-up read and the live tail.
import OpenAI from "openai";
import type { ResponseInput } from "openai/resources/responses/responses";
import { os } from "@orpc/server";
import { createEventsClient, defineProcessor, PullSubscriptionProcessorRuntime } from "tributary/workshop";

type State = { history: ResponseInput };
const initialState: State = { history: [] };

export default os.handler(async () => {
  const processor = defineProcessor(() => {
    const openai = new OpenAI();
    return {
      slug: "simple-openai-loop-runtime",
      initialState,
      reduce: ({ event, state }) => {
        if (event.type !== "llm-input-added" && event.type !== "llm-output-added") return state;
        const role = event.type === "llm-input-added" ? "user" : "assistant";
        const history: ResponseInput = [...state.history, { role, content: (event.payload as { content: string }).content }];
        return { history };
      },
      afterAppend: async ({ append, event, state }) => {
        if (event.type !== "llm-input-added") return;
        const response = await openai.responses.create({ model: "gpt-4o-mini", input: state.history });
        await append({ event: { type: "llm-output-added", payload: { content: response.output_text } } });
      },
    };
  });

  const streamPath = `${process.env.PATH_PREFIX}/simple-openai-loop-runtime`;
  console.log(`Watching ${streamPath}`);
  await new PullSubscriptionProcessorRuntime({ eventsClient: createEventsClient(), processor, streamPath }).run();
});
