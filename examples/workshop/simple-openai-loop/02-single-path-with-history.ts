// Step 2: the same script keeps the conversation in a variable and sends all of it each time.
import OpenAI from "openai";
import type { ResponseInput } from "openai/resources/responses/responses";
import { os } from "@orpc/server";
import { createEventsClient } from "tributary/workshop";

export default os.handler(async () => {
  const client = createEventsClient();
  const openai = new OpenAI();
  const streamPath = `${process.env.PATH_PREFIX}/simple-openai-loop-history`;
  const history: ResponseInput = [];
  console.log(`Watching ${streamPath}`);

  for await (const event of await client.stream({ path: streamPath, live: true }, {})) {
    if (event.type !== "llm-input-added") continue;
    history.push({ role: "user", content: (event.payload as { content: string }).content });
    const response = await openai.responses.create({ model: "gpt-4o-mini", input: history });
    history.push({ role: "assistant", content: response.output_text });
    await client.append({ path: streamPath, event: { type: "llm-output-added", payload: { content: response.output_text } } });
  }
});
