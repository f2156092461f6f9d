// A tool for the agent, as its own processor: it announces `word_count` on the stream, and answers the
// agent's calls to it. The agent offers every announced tool to the model.
//
//   npx tributary run examples/agent-plugins/word-count.ts --path /me/agent
import { z } from "zod";
import { createToolProcessor, defineTool } from "tributary/agent";

const wordCount = defineTool({
  name: "word_count",
  description: "Count the words in a text.",
  input: z.object({ text: z.string().describe("The text to count.") }),
  run: async ({ text }) => String(text.split(/\s+/).filter((word) => word !== "").length),
});

export default createToolProcessor([wordCount], { slug: "word-count" });
