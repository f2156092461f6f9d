import { describe, expect, it } from "vitest";
import { treeRows } from "../src/tree/tree-rows.ts";

const paths = new Set(["/", "/jonas", "/jonas/agent", "/jonas/agent/researcher", "/jonas/hello", "/misha", "/misha/x.y"]);
const pathsOf = (rows: { path: string }[]) => rows.map((row) => row.path);

describe("treeRows", () => {
  it("lists streams depth-first with children sorted by name", () => {
    const rows = treeRows(paths, { collapsed: new Set(), filter: "" });
    expect(pathsOf(rows)).toEqual(["/", "/jonas", "/jonas/agent", "/jonas/agent/researcher", "/jonas/hello", "/misha", "/misha/x.y"]);
    expect(rows.map((row) => row.depth)).toEqual([0, 1, 2, 3, 2, 1, 2]);
    expect(rows.find((row) => row.path === "/misha/x.y")).toMatchObject({ name: "x.y", hasChildren: false, exists: true });
  });

  it("hides the descendants of a collapsed stream", () => {
    expect(pathsOf(treeRows(paths, { collapsed: new Set(["/jonas"]), filter: "" }))).toEqual(["/", "/jonas", "/misha", "/misha/x.y"]);
  });

  it("shows matches and their ancestors for a filter, even inside collapsed streams", () => {
    const rows = treeRows(paths, { collapsed: new Set(["/jonas"]), filter: "RESEARCH" });
    expect(pathsOf(rows)).toEqual(["/", "/jonas", "/jonas/agent", "/jonas/agent/researcher"]);
    expect(rows.filter((row) => row.match).map((row) => row.path)).toEqual(["/jonas/agent/researcher"]);
  });

  it("adds the ancestors of a stream it has not been told about, marked as implicit", () => {
    const rows = treeRows(new Set(["/a/b/c"]), { collapsed: new Set(), filter: "" });
    expect(rows.map((row) => [row.path, row.exists])).toEqual([
      ["/", false],
      ["/a", false],
      ["/a/b", false],
      ["/a/b/c", true],
    ]);
  });

  it("is empty without streams", () => {
    expect(treeRows(new Set(), { collapsed: new Set(), filter: "" })).toEqual([]);
  });
});
