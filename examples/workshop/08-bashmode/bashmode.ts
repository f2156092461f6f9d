// Bashmode: a bashmode-block-added event (declared by extending GenericEventInputSchema) runs its script in
// just-bash and appends the output as an agent-input-added. initialState is {} and there is no reduce.
import { Bash } from "just-bash";
import { z } from "zod";
import { defineProcessor, GenericEventInputSchema } from "tributary/workshop";

export const BashmodeBlockAddedEventInput = GenericEventInputSchema.extend({
  type: z.literal("bashmode-block-added"),
  payload: z.object({ content: z.string().min(1) }),
});

const bashmode = defineProcessor(() => ({
  slug: "bashmode",
  initialState: {},
  afterAppend: async ({ append, event }) => {
    const block = BashmodeBlockAddedEventInput.safeParse({ type: event.type, payload: event.payload, metadata: event.metadata });
    if (!block.success) return;
    const bash = new Bash({
      env: { BASE_URL: process.env.BASE_URL || "http://127.0.0.1:4000", PROJECT_SLUG: process.env.PROJECT_SLUG || "public" },
      network: { dangerouslyAllowFullInternetAccess: true },
    });
    const result = await bash.exec(block.data.payload.content);
    await append({
      event: {
        type: "agent-input-added",
        payload: { content: `Bash result:\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}\nexitCode: ${result.exitCode}` },
      },
    });
  },
}));

export default bashmode;
