import { describe, expect, it } from "vitest";
import { contentToText } from "../src/mcp/mcp-connection.ts";
import { mcpToolName } from "../src/mcp/mcp-processor.ts";
import { parseMcpServerSpec, resolveAllowedServer, splitCommandLine } from "../src/mcp/mcp-server-spec.ts";

describe("MCP server specs and the operator's allow-list", () => {
  it("parses a command line with quotes and escapes, a name prefix, and a URL", () => {
    expect(splitCommandLine(`npx -y "@scope/server files" 'a b' c\\ d`)).toEqual(["npx", "-y", "@scope/server files", "a b", "c d"]);
    expect(() => splitCommandLine(`node "unclosed`)).toThrow('unclosed " in node "unclosed');
    expect(parseMcpServerSpec("files=npx -y @modelcontextprotocol/server-filesystem /tmp")).toEqual({
      name: "files",
      command: "npx",
      args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
    });
    expect(parseMcpServerSpec("/usr/local/bin/my-server.js --port 0")).toEqual({
      name: "my-server",
      command: "/usr/local/bin/my-server.js",
      args: ["--port", "0"],
    });
    expect(parseMcpServerSpec("http://127.0.0.1:8931/mcp")).toEqual({ name: "127_0_0_1", url: "http://127.0.0.1:8931/mcp" });
    expect(parseMcpServerSpec("search=https://mcp.example.com/mcp")).toEqual({ name: "search", url: "https://mcp.example.com/mcp" });
    expect(() => parseMcpServerSpec("name=")).toThrow("an MCP server needs a command or a URL");
  });

  it("lets an event pick an allowed server by name, command or URL, and refuses anything else", () => {
    const allowed = [
      { name: "files", command: "npx", args: ["-y", "server-filesystem", "/srv"] },
      { name: "web", url: "http://127.0.0.1:8931/mcp" },
    ];
    expect(resolveAllowedServer({ name: "files" }, allowed)).toEqual(allowed[0]);
    expect(resolveAllowedServer({ name: "docs", command: "npx", args: ["-y", "server-filesystem", "/srv"] }, allowed)).toEqual({ ...allowed[0], name: "docs" });
    expect(resolveAllowedServer({ name: "w", url: "http://127.0.0.1:8931/mcp" }, allowed)).toEqual({ ...allowed[1], name: "w" });
    // Other arguments are another program run: refused.
    expect(resolveAllowedServer({ name: "files", command: "npx", args: ["-y", "server-filesystem", "/"] }, allowed)).toMatch(
      /^refused: npx -y server-filesystem \/ is not an MCP server the operator allowed/,
    );
    expect(resolveAllowedServer({ name: "meta", url: "http://169.254.169.254/mcp" }, allowed)).toMatch(/^refused: http:\/\/169\.254\.169\.254\/mcp/);
    expect(resolveAllowedServer({ name: "nope" }, allowed)).toContain("no MCP server named nope is allowed (allowed: files, web;");
    expect(resolveAllowedServer({ name: "x", command: "a", url: "http://127.0.0.1:1/" }, allowed)).toBe("give a command or a url for x, not both");
  });

  it("names tools <server>__<tool> within the tool-name rules, and turns content into text", () => {
    expect(mcpToolName("files", "read.file")).toBe("files__read_file");
    expect(mcpToolName("s", "x".repeat(100))).toHaveLength(64);
    expect(
      contentToText({
        content: [
          { type: "text", text: "a" },
          { type: "image", mimeType: "image/png", data: "AAAA" },
          { type: "resource_link", uri: "file:///x", name: "x" },
        ],
      }),
    ).toBe("a\n[image: image/png, 4 base64 characters]\n[resource file:///x (x)]");
    expect(contentToText({ content: [], structuredContent: { ok: true } })).toBe('{"ok":true}');
  });
});
