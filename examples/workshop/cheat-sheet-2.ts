// Cheat sheet 2 of the workshop: bashmode as a second processor beside the agent. A ```bash block in an
// assistant message becomes a bashmode-block-added event; running it (just-bash, no real processes) appends
// the result as the next user input. No initialState, no reduce.
import { Bash } from "just-bash";
import { z } from "zod";
import { defineProcessor, PullProcessorRuntime } from "tributary/workshop";
import { AgentInputEvent } from "./cheat-sheet-1.ts";

const BashmodeBlockAddedEvent = z.object({
  type: z.literal("bashmode-block-added"),
  payload: z.object({ script: z.string() }),
});

export const processor = defineProcessor(() => {
  const bash = new Bash({ network: { dangerouslyAllowFullInternetAccess: true, denyPrivateRanges: false } });
  return {
    slug: "bashmode",
    afterAppend: async ({ append, event, logger }) => {
      const input = AgentInputEvent.safeParse(event);
      if (input.success) {
        if (input.data.payload.role !== "assistant") return;
        const script = input.data.payload.content.match(/```bash\n(.*?)\n```/s)?.[1];
        if (!script) return;
        await append({ event: { type: "bashmode-block-added", payload: { script } } });
        return;
      }
      const block = BashmodeBlockAddedEvent.safeParse(event);
      if (block.success) {
        const result = await bash.exec(block.data.payload.script);
        await append({
          event: {
            type: "agent-input-added",
            payload: {
              role: "user",
              content: ["```", `Bash script completed with exit code ${result.exitCode}.`, `Stdout: ${result.stdout}`, `Stderr: ${result.stderr}`, "```"].join(
                "\n",
              ),
            },
          },
        });
        return;
      }
      logger.info("Ignoring event", event);
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
