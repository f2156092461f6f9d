import { describe, expect, it } from "vitest";
import { parseStreamPath } from "@tributary/protocol";
import { parseRoute, routeHref } from "../src/route.ts";

describe("the UI's route", () => {
  it("opens a stream, or a stream at one event with path@offset", () => {
    expect(parseRoute("#/jonas/agent")).toEqual({ kind: "stream", path: "/jonas/agent" });
    expect(parseRoute("#/load/sensors@50000")).toEqual({ kind: "stream", path: "/load/sensors", offset: 50000 });
    expect(parseRoute("#/")).toEqual({ kind: "stream", path: "/" });
    expect(parseRoute("")).toEqual({ kind: "welcome" });
    expect(routeHref("/load/sensors", 50000)).toBe("#/load/sensors@50000");
  });

  it("refuses a '..' or '.' segment instead of showing one stream while the browser reads another", () => {
    for (const hash of ["#/a/../b", "#/a/./b", "#/a/..", "#/a/%2E%2E/b"]) {
      const route = parseRoute(hash);
      expect(route.kind).toBe("invalid");
      expect(route.kind === "invalid" && route.message).toContain("'..'");
      // The server refuses the same paths, so the UI and the server agree.
      expect(() => parseStreamPath(decodeURIComponent(hash.slice(1)))).toThrow(/'\.' or '\.\.'/);
    }
  });

  it("accepts exactly the paths the server accepts, dots inside segments included", () => {
    for (const path of ["/a.b/c~d", "/v1.2/x_y-z", "/..a/b.."]) {
      expect(parseRoute(`#${path}`)).toEqual({ kind: "stream", path: parseStreamPath(path) });
    }
    expect(parseRoute("#/a//b").kind).toBe("invalid");
    expect(parseRoute("#/a b").kind).toBe("invalid");
    expect(parseRoute("#/a@0").kind).toBe("invalid");
    expect(parseRoute("#/a@x").kind).toBe("invalid");
  });
});
