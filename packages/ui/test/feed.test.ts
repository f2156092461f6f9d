import { describe, expect, it } from "vitest";
import { builtinEventTypes } from "@tributary/protocol";
import { agentEventTypes, parseAgentPayload } from "@tributary/agent";
import { defineFeedKind, itemFrom, type FeedItem } from "../src/feed/feed-kind.ts";
import { feedKinds } from "../src/feed/feed-kinds.ts";
import { emptyFeed, reduceFeed } from "../src/feed/reduce-feed.ts";
import { agentConversation } from "./support/agent-conversation.ts";
import { stored } from "./support/stored.ts";

const events = stored(agentConversation);
const byKey = (items: readonly FeedItem[], key: string) => items.find((item) => item.key === key) as (FeedItem & Record<string, unknown>) | undefined;

describe("reduceFeed", () => {
  it("folds an agent conversation into config, a user bubble, replies, a tool call and the run's end", () => {
    const feed = reduceFeed(emptyFeed, events, feedKinds);
    expect(feed.items.map((item) => item.kind)).toEqual([
      "agent-config",
      "agent-tools",
      "agent-input",
      "agent-reply",
      "agent-tool",
      "agent-reply",
      "agent-run",
    ]);
    expect(byKey(feed.items, "input:3")).toMatchObject({ role: "user", content: "Which files are here?" });
    expect(byKey(feed.items, "reply:3.1")).toMatchObject({ status: "done", text: "", toolCalls: [{ name: "shell", arguments: '{"command":"ls"}' }] });
    expect(byKey(feed.items, "tool:call_1")).toMatchObject({
      name: "shell",
      input: { command: "ls" },
      status: "ok",
      output: "exit code 0\nREADME.md\npackage.json\n",
    });
    expect(byKey(feed.items, "reply:3.2")).toMatchObject({
      status: "done",
      text: "There are two files: README.md and package.json.",
      firstOffset: 11,
      lastOffset: 16,
    });
  });

  it("streams the reply's text chunk by chunk before the output completes", () => {
    const upToSecondChunk = reduceFeed(emptyFeed, events.slice(0, 14), feedKinds);
    expect(byKey(upToSecondChunk.items, "reply:3.2")).toMatchObject({ status: "streaming", text: "There are two files: README.md and " });
    const oneByOne = events.reduce((feed, event) => reduceFeed(feed, [event], feedKinds), emptyFeed);
    expect(oneByOne.items).toEqual(reduceFeed(emptyFeed, events, feedKinds).items);
  });

  it("is pure: it leaves the input state alone and ignores events it has already folded", () => {
    const first = reduceFeed(emptyFeed, events.slice(0, 10), feedKinds);
    const snapshot = structuredClone(first.items);
    const second = reduceFeed(first, events.slice(5), feedKinds);
    expect(first.items).toEqual(snapshot);
    expect(second.items).toEqual(reduceFeed(emptyFeed, events, feedKinds).items);
    expect(reduceFeed(second, events.slice(0, 3), feedKinds)).toBe(second);
  });

  it("draws unknown types as raw items, and a kind that throws costs only that event", () => {
    const exploding = defineFeedKind<FeedItem>({
      name: "exploding",
      types: ["boom"],
      reduce: () => {
        throw new Error("bad payload");
      },
      render: () => document.createElement("div"),
    });
    const feed = reduceFeed(
      emptyFeed,
      stored([{ type: "hello-world", payload: { a: 1 } }, { type: "boom" }, { type: "agent-input-added", payload: { content: "still here" } }]),
      [exploding, ...feedKinds],
    );
    expect(feed.items.map((item) => item.kind)).toEqual(["raw", "raw", "agent-input"]);
  });

  it("claims every built-in and every agent event type with a kind of its own", () => {
    const claimed = new Set(feedKinds.flatMap((kind) => kind.types ?? []));
    const types = [...builtinEventTypes.keys(), ...agentEventTypes.keys()];
    expect(types.filter((type) => !claimed.has(type))).toEqual([]);
  });

  it("folds the documented example of every built-in and agent type without falling back to raw", () => {
    const examples = [...builtinEventTypes.values(), ...agentEventTypes.values()].map((type) => ({ type: type.type, payload: type.example }));
    const feed = reduceFeed(emptyFeed, stored(examples), feedKinds);
    expect(feed.items.filter((item) => item.kind === "raw")).toEqual([]);
  });

  it("uses a conversation fixture that the agent's own schemas accept", () => {
    for (const event of agentConversation) expect(parseAgentPayload(event.type, event.payload)).toMatchObject({ ok: true });
  });

  it("groups consecutive tool announcements into one item, and starts a new one after any other event", () => {
    const announce = (name: string) => ({ type: "agent-tool-announced", payload: { name, description: `the ${name} tool`, parameters: { type: "object" } } });
    const feed = reduceFeed(
      emptyFeed,
      stored([announce("shell"), announce("read_file"), announce("shell"), { type: "hello-world" }, announce("subagent")]),
      feedKinds,
    );
    expect(feed.items.map((item) => [item.kind, (item as FeedItem & { tools?: { name: string }[] }).tools?.map((tool) => tool.name)])).toEqual([
      ["agent-tools", ["read_file", "shell"]],
      ["raw", undefined],
      ["agent-tools", ["subagent"]],
    ]);
  });

  it("marks items whose event a schedule or a transformer appended", () => {
    const [fired, transformed, plain] = stored([{ type: "agent-input-added", payload: { content: "ping" } }, { type: "tick" }, { type: "tick" }]);
    const feed = reduceFeed(
      emptyFeed,
      [
        { ...fired!, metadata: { scheduledBy: { slug: "reminder", scheduleOffset: 1, dueAt: "2025-01-01T12:00:00.000Z" } } },
        { ...transformed!, metadata: { transformedBy: { slug: "slack-to-agent", sourceOffset: 1, depth: 1 } } },
        plain!,
      ],
      feedKinds,
    );
    expect(feed.items.map((item) => item.origin)).toEqual([
      { by: "schedule", slug: "reminder" },
      { by: "transformer", slug: "slack-to-agent", sourceOffset: 1 },
      undefined,
    ]);
  });

  it("keys new kinds by the event offset unless a kind chooses its own key", () => {
    const note = defineFeedKind<FeedItem & { text: string }>({
      name: "note",
      types: ["note-added"],
      reduce: (event, feed) => feed.put({ ...itemFrom(event, "note"), text: String(event.payload.text) }),
      render: () => document.createElement("p"),
    });
    const feed = reduceFeed(emptyFeed, stored([{ type: "note-added", payload: { text: "hi" } }], 7), [note, ...feedKinds]);
    expect(feed.items).toEqual([expect.objectContaining({ kind: "note", key: "note:7", text: "hi", types: ["note-added"] })]);
  });

  it("groups a repeated failure (a webhook retrying) into one item with a count, and starts a new one when it changes", () => {
    const failures = Array.from({ length: 13 }, (_, attempt) => ({
      type: "subscription/delivery-failed",
      payload: { slug: "hook", offset: 4, attempt: attempt + 1, error: "HTTP 503" },
    }));
    const feed = reduceFeed(
      emptyFeed,
      stored([
        ...failures,
        { type: "hello-world" },
        { type: "subscription/delivery-failed", payload: { slug: "hook", offset: 4, attempt: 14, error: "HTTP 503" } },
        { type: "subscription/delivery-failed", payload: { slug: "hook", offset: 5, attempt: 1, error: "timeout" } },
      ]),
      feedKinds,
    );
    const errors = feed.items.filter((item) => item.kind === "error") as unknown as { count: number; firstOffset: number; lastOffset: number }[];
    expect(errors.map((item) => [item.count, item.firstOffset, item.lastOffset])).toEqual([
      [14, 1, 15],
      [1, 16, 16],
    ]);
  });
});
