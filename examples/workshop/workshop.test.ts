// The workshop's examples (re-expressed in this folder, see README.md) run as files, each in its own process,
// against a real server, and against the scripted model server where they call a model.
import { fileURLToPath } from "node:url";
import { startMockLlm, type MockLlm } from "@tributary/agent";
import { startTestServer, waitFor, type TestServer } from "@tributary/server/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEventsClient, type EventsClient, type StoredEvent } from "tributary";
import { spawnProcess, tributaryBin, type Spawned } from "../../packages/cli/test/support/cli-process.ts";
import { readAll } from "../../packages/sdk/test/support/wait-for.ts";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const patience = 60_000;
// Each test starts processes; on a loaded machine their start-up alone can take many seconds.
const slow = { timeout: 240_000 };

let server: TestServer;
let llm: MockLlm;
let client: EventsClient;
const running: Spawned[] = [];

beforeAll(async () => {
  [server, llm] = await Promise.all([startTestServer(), startMockLlm()]);
  client = createEventsClient({ baseUrl: server.url });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.stop()));
});
afterAll(async () => {
  await Promise.all([server.close(), llm.close()]);
});

/**
 * Starts `node <args>` with the workshop's environment (BASE_URL, read by tributary/workshop's client), the
 * CLI's (TRIBUTARY_URL, for `tributary run`), and the OpenAI SDK pointed at mock-llm.
 */
function start(args: string[], env: Record<string, string> = {}): Spawned {
  const spawned = spawnProcess(args, {
    env: { BASE_URL: server.url, TRIBUTARY_URL: server.url, OPENAI_BASE_URL: llm.baseUrl, OPENAI_API_KEY: "mock", ...env },
  });
  running.push(spawned);
  return spawned;
}
const run = (file: string, ...flags: string[]) => start([tributaryBin, "run", here(file), ...flags]);

const eventually = <T>(check: () => T | Promise<T>, what: string) => waitFor(check, what, patience);
const ofType = async (path: string, type: string) => (await readAll(server.url, path)).filter((event) => event.type === type);
const contents = (events: StoredEvent[]) => events.map((event) => event.payload.content);
/** The `input` of each Responses API request the model server received, as role/content pairs or a string. */
const responsesInputs = () => llm.requests.filter((request) => request.api === "responses").map((request) => request.body.input);

describe("the workshop's examples with only the import changed to tributary/workshop", () => {
  it("ping-pong (no initialState, no reduce) answers whatever mentions ping, below the path too", slow, async () => {
    const processor = run("ping-pong.ts", "--path", "/pp", "--children");
    await processor.waitForOutput(/is running on/, patience);
    const ping = await client.append({ path: "/pp/deep/child", event: { type: "ping" } });
    const inPayload = await client.append({ path: "/pp", event: { type: "note", payload: { text: "ping me" } } });
    await client.append({ path: "/pp", event: { type: "note", payload: { text: "nothing" } } });
    await eventually(async () => (await ofType("/pp/deep/child", "pong")).length === 1, "the pong to the ping");
    await eventually(async () => (await ofType("/pp", "pong")).length === 1, "the pong to the payload ping");
    expect((await ofType("/pp/deep/child", "pong"))[0]!.payload).toEqual({ sourceOffset: ping.offset });
    expect((await ofType("/pp", "pong"))[0]!.payload).toEqual({ sourceOffset: inPayload.offset });
  });

  it("the cheat sheets: an agent and bashmode, two processes on /video, talk through the stream", slow, async () => {
    llm.load({
      turns: [
        { match: "what is here", text: "Let me look.\n```bash\necho hello from bash\n```" },
        { match: "exit code 0", text: "It says hello." },
      ],
      fallback: { echo: true },
    });
    const agent = start([here("cheat-sheet-1.ts")]);
    const bashmode = start([here("cheat-sheet-2.ts")]);
    await Promise.all([agent.waitForOutput(/caught up/, patience), bashmode.waitForOutput(/caught up/, patience)]);
    await client.append({ path: "/video/chat", event: { type: "agent-input-added", payload: { role: "user", content: "what is here?" } } });
    const inputs = await eventually(async () => {
      const events = await ofType("/video/chat", "agent-input-added");
      return events.length >= 4 ? events : undefined;
    }, "the agent's answer after the bash result");
    expect(inputs.map((event) => event.payload.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(inputs[2]!.payload.content).toContain("Stdout: hello from bash");
    expect(inputs[3]!.payload.content).toBe("It says hello.");
    expect(await ofType("/video/chat", "bashmode-block-added")).toHaveLength(1);
    // The second model call had the whole history the agent reduced.
    const last = llm.requests.at(-1)!.body.messages as { role: string }[];
    expect(last.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
  });

  it("the simple OpenAI loop 01–04: a script, with history, with catch-up, then a processor runtime", slow, async () => {
    llm.clearRequests();
    // History from before the scripts start: 03 and 04 must reduce it, and answer neither of its inputs.
    await client.append({ path: "/loop/simple-openai-loop-catch-up", event: { type: "llm-input-added", payload: { content: "three-a" } } });
    await client.append({ path: "/loop/simple-openai-loop-catch-up", event: { type: "llm-output-added", payload: { content: "answer to three-a" } } });
    await client.append({ path: "/loop/simple-openai-loop-runtime", event: { type: "llm-input-added", payload: { content: "four-a" } } });
    const scripts = ["01-single-path-script.ts", "02-single-path-with-history.ts", "03-single-path-with-catch-up.ts", "04-single-stream-runtime.ts"].map(
      (file) => run(`simple-openai-loop/${file}`, "--path-prefix", "/loop"),
    );
    await Promise.all(scripts.map((script) => script.waitForOutput(/Watching/, patience)));
    await scripts[2]!.waitForOutput(/caught up 2 messages/, patience);
    await scripts[3]!.waitForOutput(/caught up/, patience);

    const ask = (stream: string, content: string) => client.append({ path: `/loop/${stream}`, event: { type: "llm-input-added", payload: { content } } });
    const answers = (stream: string) => ofType(`/loop/${stream}`, "llm-output-added");
    await ask("simple-openai-loop", "one");
    await ask("simple-openai-loop-history", "two-a");
    await eventually(async () => (await answers("simple-openai-loop-history")).length === 1, "02's first answer");
    await ask("simple-openai-loop-history", "two-b");
    await ask("simple-openai-loop-catch-up", "three-b");
    await ask("simple-openai-loop-runtime", "four-b");

    await eventually(async () => (await answers("simple-openai-loop")).length === 1, "01's answer");
    await eventually(async () => (await answers("simple-openai-loop-history")).length === 2, "02's second answer");
    await eventually(async () => (await answers("simple-openai-loop-catch-up")).length === 2, "03's answer");
    await eventually(async () => (await answers("simple-openai-loop-runtime")).length === 1, "04's answer");
    expect(contents(await answers("simple-openai-loop"))).toEqual(["one"]);
    expect(contents(await answers("simple-openai-loop-catch-up"))).toEqual(["answer to three-a", "three-b"]);
    expect(contents(await answers("simple-openai-loop-runtime"))).toEqual(["four-b"]);

    const inputs = responsesInputs();
    expect(inputs).toContainEqual("one");
    expect(inputs).toContainEqual([
      { role: "user", content: "two-a" },
      { role: "assistant", content: "two-a" },
      { role: "user", content: "two-b" },
    ]);
    // 03 resumed live after the history it read (offset), so three-a was never asked again.
    expect(inputs).toContainEqual([
      { role: "user", content: "three-a" },
      { role: "assistant", content: "answer to three-a" },
      { role: "user", content: "three-b" },
    ]);
    expect(inputs).toContainEqual([
      { role: "user", content: "four-a" },
      { role: "user", content: "four-b" },
    ]);
    expect(inputs).toHaveLength(5);
  });

  it("the simple OpenAI loop 05: one runtime on every stream under the prefix, each with its own history", slow, async () => {
    const script = run("simple-openai-loop/05-all-paths-with-interruptions.ts", "--path-prefix", "/loop5");
    await script.waitForOutput(/Watching \/loop5\/\*\*/, patience);
    // Events appended before the runtime caught up are history, reduced without side effects.
    await script.waitForOutput(/caught up/, patience);
    await client.append({ path: "/loop5/a", event: { type: "llm-input-added", payload: { content: "first a" } } });
    await client.append({ path: "/loop5/b/c", event: { type: "llm-input-added", payload: { content: "first c" } } });
    await eventually(async () => (await ofType("/loop5/a", "llm-request-completed")).length === 1, "the answer on /loop5/a");
    await client.append({ path: "/loop5/a", event: { type: "llm-input-added", payload: { content: "second a" } } });
    await eventually(async () => (await ofType("/loop5/a", "llm-request-completed")).length === 2, "the second answer on /loop5/a");
    await eventually(async () => (await ofType("/loop5/b/c", "llm-request-completed")).length === 1, "the answer on /loop5/b/c");

    const a = await readAll(server.url, "/loop5/a");
    expect(a.map((event) => event.type)).toEqual([
      "llm-input-added",
      "llm-request-started",
      "llm-output-added",
      "llm-request-completed",
      "llm-input-added",
      "llm-request-started",
      "llm-output-added",
      "llm-request-completed",
    ]);
    expect(contents(await ofType("/loop5/b/c", "llm-output-added"))).toEqual(["first c"]);
    expect(responsesInputs()).toContainEqual([
      { role: "user", content: "first a" },
      { role: "assistant", content: "first a" },
      { role: "user", content: "second a" },
    ]);
  });

  it("hello world: append resolves to { created, event, events }, and a live stream sees the event and stops on its signal", slow, async () => {
    const append = run("01-hello-world/append-hello-world.ts", "--path-prefix", "/hw");
    expect((await append.exited).code).toBe(0);
    const printed = JSON.parse(append.stdout()) as { created: boolean; event: StoredEvent; events: StoredEvent[] };
    expect(printed).toMatchObject({ created: true, event: { type: "hello-world", streamPath: "/hw/hello-world", offset: 1 } });
    expect(printed.events).toEqual([printed.event]);

    const subscribe = run("01-hello-world/subscribe-hello-world.ts", "--path-prefix", "/hw");
    expect((await subscribe.exited).code).toBe(0);
    const [, appended, streamed] = /append result\n([\s\S]*)\nstream event\n([\s\S]*)$/.exec(subscribe.stdout())!;
    expect(JSON.parse(streamed!)).toEqual((JSON.parse(appended!) as { event: StoredEvent }).event);
    expect(await readAll(server.url, "/hw/hello-world")).toHaveLength(2);
  });

  it("the stream processor files: hello-world-seen once, also when the processor appends the bare event", slow, async () => {
    const processors = [
      run("02-stream-processor/hello-world-processor.ts", "--path", "/sp/a"),
      run("02-stream-processor/bare-append-processor.ts", "--path", "/sp/b"),
    ];
    await Promise.all(processors.map((processor) => processor.waitForOutput(/is running on/, patience)));
    const first = await client.append({ path: "/sp/a", event: { type: "hello-world" } });
    await client.append({ path: "/sp/a", event: { type: "hello-world" } });
    const bare = await client.append({ path: "/sp/b", event: { type: "hello-world" } });
    await eventually(async () => (await ofType("/sp/a", "hello-world-seen")).length === 1, "hello-world-seen on /sp/a");
    await eventually(async () => (await ofType("/sp/b", "hello-world-seen")).length === 1, "hello-world-seen on /sp/b");
    expect((await ofType("/sp/a", "hello-world-seen"))[0]!.payload).toEqual({ sourceOffset: first.offset });
    expect((await ofType("/sp/b", "hello-world-seen"))[0]!.payload).toEqual({ sourceOffset: bare.offset });
    // Both were appended: the processors kept running (a second hello-world gets no second "seen" on /sp/a).
    expect(await ofType("/sp/a", "hello-world-seen")).toHaveLength(1);
  });

  it("the pattern processor: relative appends from a pattern run, and the proof script of the in-process pattern runtime", slow, async () => {
    const relative = run("03-pattern-processor/relative-ping-pong-processor.ts", "--path", "/rp/*");
    await relative.waitForOutput(/is running on/, patience);
    await client.append({ path: "/rp/a", event: { type: "ping", payload: { message: "to the PARENT" } } });
    await client.append({ path: "/rp/b", event: { type: "ping", payload: { message: "to a child" } } });
    await eventually(async () => (await ofType("/rp", "pong")).length === 1, "the pong on the parent");
    await eventually(async () => (await ofType("/rp/b/child", "pong")).length === 1, "the pong on the child");
    expect((await ofType("/rp", "pong"))[0]!.payload).toMatchObject({ location: "parent", pingCount: 1 });

    const proof = start([here("03-pattern-processor/prove-ping-pong.ts")], { PATH_PREFIX: "/proof" });
    const { code } = await proof.exited;
    expect(proof.output()).toContain("proof passed");
    expect(code).toBe(0);
  });

  it("bashmode: a block declared on GenericEventInputSchema runs in just-bash and comes back as agent input", slow, async () => {
    const processor = run("08-bashmode/bashmode.ts", "--path", "/bm");
    await processor.waitForOutput(/is running on/, patience);
    await client.append({ path: "/bm", event: { type: "bashmode-block-added", payload: { content: "echo $PROJECT_SLUG; echo hi" } } });
    await client.append({ path: "/bm", event: { type: "bashmode-block-added", payload: { content: "" } } });
    const [result] = await eventually(async () => {
      const events = await ofType("/bm", "agent-input-added");
      return events.length > 0 ? events : undefined;
    }, "the bash result");
    expect(result!.payload.content).toBe("Bash result:\nstdout:\npublic\nhi\n\nstderr:\n\nexitCode: 0");
    // The empty block fails the schema (min 1), so it ran nothing.
    expect(await ofType("/bm", "agent-input-added")).toHaveLength(1);
  });
});
