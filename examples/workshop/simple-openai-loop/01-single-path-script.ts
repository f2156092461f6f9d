// Simple OpenAI loop, step 1: a bare script on one path. Every llm-input-added is sent to the model and the
// answer appended as llm-output-added. No processor, no runtime; run by `tributary run` (an oRPC handler).
import OpenAI from "openai";
import { os } from "@orpc/server";
import { createEventsClient } from "tributary/workshop";

export default os.handler(async () => {
  const client = createEventsClient();
  const openai = new OpenAI();
  const streamPath = `${process.env.PATH_PREFIX}/simple-openai-loop`;
  console.log(`Watching ${streamPath}`);

  for await (const event of await client.stream({ path: streamPath, live: true }, {})) {
    if (event.type !== "llm-input-added") continue;
    const { content } = event.payload as { content: string };
    const response = await openai.responses.create({ model: "gpt-4o-mini", instructions: "Keep answers short.", input: content });
    await client.append({ path: streamPath, event: { type: "llm-output-added", payload: { content: response.output_text } } });
  }
});
