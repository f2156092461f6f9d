import { defineProcessor } from "@tributary/protocol";
import { describe, expect, it } from "vitest";
import { createEventsClient, PatternProcessorRuntime, PullProcessorRuntime, PushProcessorRuntime } from "../src/index.ts";
import * as workshop from "../src/workshop/index.ts";

const processor = defineProcessor(() => ({ slug: "noop", afterAppend: () => {} }));

/** Runs `call`, and returns the TypeError it throws (failing if it throws anything else or nothing). */
function typeErrorOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as TypeError).message;
  }
  throw new Error("expected a TypeError");
}

describe("strict options: a misspelt option is a TypeError naming it and the accepted ones", () => {
  it("createEventsClient, and every client method", () => {
    expect(typeErrorOf(() => createEventsClient({ baseURL: "http://x" } as never))).toBe(
      "createEventsClient: unknown option 'baseURL' (did you mean 'baseUrl'?); it accepts baseUrl, project, token.",
    );
    const client = createEventsClient("http://127.0.0.1:9");
    expect(client.baseUrl).toBe("http://127.0.0.1:9");
    expect(typeErrorOf(() => client.stream({ path: "/a", ofset: 3 } as never))).toMatch(
      /^stream: unknown option 'ofset' \(did you mean 'offset'\?\); it accepts path, afterOffset, offset, /,
    );
    expect(typeErrorOf(() => client.stream({ path: "/a" }, { signl: undefined, sigal: new AbortController().signal } as never))).toBe(
      "stream's second argument: unknown option 'sigal' (did you mean 'signal'?); it accepts signal.",
    );
    expect(typeErrorOf(() => client.stream({ path: "/a", offset: 1, afterOffset: 1 }))).toMatch(/give offset or afterOffset, not both/);
    return expect(client.append({ path: "/a", event: { type: "x" }, idempotencyKey: "k" } as never)).rejects.toThrow(
      "append: unknown option 'idempotencyKey'; it accepts path, event, signal.",
    );
  });

  it("the runtimes, the workshop's runtimes and defineProcessor", () => {
    expect(typeErrorOf(() => new PullProcessorRuntime({ path: "/a", processor, includeChildern: true } as never))).toMatch(
      /^PullProcessorRuntime: unknown option 'includeChildern' \(did you mean 'includeChildren'\?\); it accepts baseUrl, .*, path, includeChildren, processor\.$/,
    );
    expect(typeErrorOf(() => new PatternProcessorRuntime({ pattern: "/a/*", processor, path: "/a" } as never))).toMatch(
      /^PatternProcessorRuntime: unknown option 'path'; it accepts .*pattern, processor\.$/,
    );
    expect(typeErrorOf(() => new PushProcessorRuntime({ processor, consumer: "c" } as never))).toMatch(/^PushProcessorRuntime: unknown option 'consumer'/);
    expect(typeErrorOf(() => new workshop.PullSubscriptionProcessorRuntime({ processor, path: "/a" } as never))).toBe(
      "PullSubscriptionProcessorRuntime: unknown option 'path'; it accepts eventsClient, processor, streamPath, logger.",
    );
    expect(typeErrorOf(() => new workshop.PullSubscriptionPatternProcessorRuntime({ processor, streamPatern: "/a/**" } as never))).toMatch(
      /'streamPatern' \(did you mean 'streamPattern'\?\)/,
    );
    expect(typeErrorOf(() => workshop.createEventsClient({ project: "p" } as never))).toBe(
      "createEventsClient: unknown option 'project'; it accepts baseUrl, projectSlug.",
    );
    expect(typeErrorOf(() => defineProcessor(() => ({ slug: "typo", afterApend: () => {} }) as never))).toBe(
      "defineProcessor: unknown option 'afterApend' (did you mean 'afterAppend'?); it accepts slug, initialState, reduce, afterAppend, onCaughtUp, onStop, concurrency, interrupts.",
    );
  });

  it("accepts what it names: a processor with neither initialState nor reduce, as an object or a factory", () => {
    expect(defineProcessor({ slug: "object", afterAppend: () => {} })).toMatchObject({ slug: "object", initialState: undefined });
    expect(processor).toMatchObject({ slug: "noop", initialState: undefined });
    expect(() => new PullProcessorRuntime({ path: "/a", processor, baseUrl: "http://127.0.0.1:9", signal: undefined })).not.toThrow();
    expect(typeErrorOf(() => defineProcessor({ slug: "", afterAppend: () => {} }))).toMatch(/needs a slug/);
  });
});
