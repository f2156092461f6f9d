import { resolveStreamPath, type StoredEvent } from "@tributary/protocol";
import type { EventsClient } from "@tributary/sdk";
import { z } from "zod";
import { defineTool } from "../define-tool.ts";

const description = `Deploys a stream processor that the server runs by itself (sandboxed), so it keeps working without you.
The script is a JavaScript ES module whose default export is a processor:
  export default {
    slug: "ping-pong",
    initialState: { seen: 0 },
    reduce: ({ event, state }) => (event.type === "ping" ? { seen: state.seen + 1 } : state),
    afterAppend: async ({ event, state, append, logger }) => {
      if (event.type === "ping") await append({ event: { type: "pong", payload: { to: event.offset } } });
    },
  };
reduce must be pure; afterAppend runs for every new event; append takes { event, path? } with a path relative to the stream
('.', './child'); fetch(url, init) works for allowed hosts, with "{{secret:NAME}}" in a header for a stored secret. There is
no file system, process, timers or imports. Deploying the same slug again replaces it. Answers once it runs, or with its error.`;

/**
 * The `deploy_processor` tool: the model writes a processor module and deploys it with `processor/deployed`
 * on its own stream or one below it, then the tool waits for the server's `processor/started` (or the
 * failure) and tells the model. The processor then runs on the server, whether or not the agent runs.
 *
 * @example
 * createToolProcessor([deployProcessorTool({ client })], { slug: "deploy-tools" });
 */
export function deployProcessorTool(options: { client: EventsClient; timeoutMs?: number }) {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return defineTool({
    name: "deploy_processor",
    description,
    input: z.object({
      path: z.string().default(".").describe("Where to run it: '.' (this stream) or './child'; never outside this stream."),
      slug: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9\-_.]{0,127}$/)
        .describe("The deployment's name on that stream."),
      script: z.string().min(1).max(1_000_000).describe("The processor module's JavaScript source."),
    }),
    timeoutMs: timeoutMs + 5_000,
    async run(input, context) {
      let target: string;
      try {
        target = resolveStreamPath(context.path, input.path);
      } catch (error) {
        return { output: `invalid path '${input.path}': ${(error as Error).message}`, isError: true };
      }
      if (target !== context.path && !target.startsWith(context.path === "/" ? "/" : `${context.path}/`)) {
        return { output: `you may deploy only on ${context.path} or below it, not ${target}`, isError: true };
      }
      let deployed: StoredEvent;
      try {
        deployed = await context.append({ path: target, event: { type: "processor/deployed", payload: { slug: input.slug, script: input.script } } });
      } catch (error) {
        return { output: `the server refused the deployment: ${(error as Error).message}`, isError: true };
      }
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]);
      try {
        for await (const event of options.client.stream({ path: target, live: true, afterOffset: deployed.offset, signal })) {
          if (event.type === "processor/started" && event.payload.slug === input.slug && event.payload.deployedOffset === deployed.offset) {
            return `${input.slug} is running on ${target} (deployed at offset ${deployed.offset}); it answers events without you.`;
          }
          if (event.type === "processor/suspended" && event.payload.slug === input.slug)
            return { output: `${input.slug} was suspended: ${String(event.payload.reason)}`, isError: true };
          if (event.type === "stream/error-occurred" && event.payload.processor === input.slug && event.payload.kind === "load") {
            return { output: `${input.slug} failed to load: ${String(event.payload.message)}`, isError: true };
          }
        }
      } catch (error) {
        if (!signal.aborted) return { output: `could not follow ${target}: ${(error as Error).message}`, isError: true };
      }
      return {
        output: `${input.slug} was deployed at offset ${deployed.offset} but did not report running within ${timeoutMs} ms; read ${target} for its errors`,
        isError: true,
      };
    },
  });
}
