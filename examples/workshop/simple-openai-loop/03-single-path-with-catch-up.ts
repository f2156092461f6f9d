// Step 3: on start, read the history (a finite read), then tail live from the last offset seen.
import OpenAI from "openai";
import type { ResponseInput } from "openai/resources/responses/responses";
import { os } from "@orpc/server";
import { createEventsClient } from "tributary/workshop";

export default os.handler(async () => {
  const client = createEventsClient();
  const openai = new OpenAI();
  const streamPath = `${process.env.PATH_PREFIX}/simple-openai-loop-catch-up`;
  const history: ResponseInput = [];
  let lastOffset: number | undefined;

  for await (const event of await client.stream({ path: streamPath }, {})) {
    lastOffset = event.offset;
    const { content } = event.payload as { content: string };
    if (event.type === "llm-input-added") history.push({ role: "user", content });
    if (event.type === "llm-output-added") history.push({ role: "assistant", content });
  }
  console.log(`Watching ${streamPath} (caught up ${history.length} messages)`);

  for await (const event of await client.stream({ path: streamPath, offset: lastOffset, live: true }, {})) {
    if (event.offset === lastOffset) continue;
    lastOffset = event.offset;
    const { content } = event.payload as { content: string };
    if (event.type === "llm-output-added") {
      history.push({ role: "assistant", content });
      continue;
    }
    if (event.type !== "llm-input-added") continue;
    history.push({ role: "user", content });
    const response = await openai.responses.create({ model: "gpt-4o-mini", input: history });
    await client.append({ path: streamPath, event: { type: "llm-output-added", payload: { content: response.output_text } } });
  }
});
