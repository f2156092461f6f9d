import { describe, expect, it } from "vitest";
import { defineProcessor } from "@tributary/sdk";
import { testProcessor } from "../src/index.ts";

const spawner = defineProcessor(() => ({
  slug: "spawner",
  initialState: { tasks: 0, caughtUpAt: -1 },
  reduce: ({ event, state }) => (event.type === "task" ? { ...state, tasks: state.tasks + 1 } : undefined),
  onCaughtUp: async ({ state, append }) => {
    await append({ event: { type: "ready", payload: { tasks: state.tasks } } });
  },
  afterAppend: async ({ event, append }) => {
    if (event.type === "task") await append({ path: "./worker", event: { type: "task-assigned", payload: { from: event.offset } } });
  },
}));

describe("testProcessor (given / when / then on a real in-memory server)", () => {
  it("reduces the given history without side effects, then reports the state and what the when-events made it append", async () => {
    const result = await testProcessor(spawner, { path: "/team", includeChildren: true })
      .given([{ type: "task" }, { type: "task" }])
      .when([{ type: "task" }, { path: "./worker", event: { type: "note" } }]);
    expect(result.state.tasks).toBe(3);
    // onCaughtUp runs once per stream: for /team after its history, for /team/worker when it appears.
    const appended = result.appended.map((event) => [event.streamPath, event.type, event.payload]);
    expect(appended[0]).toEqual(["/team", "ready", { tasks: 2 }]);
    expect(appended.slice(1).sort()).toEqual([
      ["/team/worker", "ready", { tasks: 0 }],
      ["/team/worker", "task-assigned", { from: 4 }],
    ]);
    expect(result.stateOf("/team/worker")).toEqual({ tasks: 0, caughtUpAt: -1 });
    expect(result.events.filter((event) => !event.type.startsWith("stream/")).map((event) => event.type)).toEqual(["task", "task", "ready", "task"]);
  });

  it("hands the result to then(), and a failing assertion fails the scenario", async () => {
    await testProcessor(spawner).then(({ state, appended }) => {
      expect(state.tasks).toBe(0);
      expect(appended.map((event) => event.type)).toEqual(["ready"]);
    });
    await expect(testProcessor(spawner).then(({ state }) => expect(state.tasks).toBe(99))).rejects.toThrow();
  });
});
