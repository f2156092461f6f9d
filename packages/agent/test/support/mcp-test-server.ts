import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

/** This file, to start as a stdio MCP server: `node mcp-test-server.ts`. */
export const mcpTestServerFile = fileURLToPath(import.meta.url);

/**
 * A small real MCP server made with the official SDK: `echo`, `add`, `fail` (an error result), `add_tool` and
 * `remove_tool` (its tool list changes: the SDK notifies the client) and `exit` (the process dies mid-call,
 * for stdio). `echo` is logged to stderr.
 */
export function createTestMcpServer(label: string): McpServer {
  const server = new McpServer({ name: "tributary-test-mcp", version: "1.0.0" });
  const tools = new Map<string, { remove(): void }>();
  tools.set(
    "echo",
    server.registerTool("echo", { description: "Repeats the text.", inputSchema: { text: z.string().describe("What to repeat.") } }, async ({ text }) => {
      process.stderr.write(`${label}: echo ${text}\n`);
      return { content: [{ type: "text", text: `echo from ${label}: ${text}` }] };
    }),
  );
  server.registerTool("add", { description: "Adds two numbers.", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: "text", text: String(a + b) }],
  }));
  server.registerTool("fail", { description: "Always fails." }, async () => ({ content: [{ type: "text", text: "it failed on purpose" }], isError: true }));
  server.registerTool(
    "add_tool",
    { description: "Adds a tool `<name>` that answers with its greeting.", inputSchema: { name: z.string(), greeting: z.string() } },
    async ({ name, greeting }) => {
      tools.set(
        name,
        server.registerTool(name, { description: `Says ${greeting}.` }, async () => ({ content: [{ type: "text", text: greeting }] })),
      );
      return { content: [{ type: "text", text: `added ${name}` }] };
    },
  );
  server.registerTool("remove_tool", { description: "Removes a tool.", inputSchema: { name: z.string() } }, async ({ name }) => {
    tools.get(name)?.remove();
    return { content: [{ type: "text", text: `removed ${name}` }] };
  });
  server.registerTool("exit", { description: "Exits the server's process." }, async () => {
    process.stderr.write(`${label}: exiting on request\n`);
    setTimeout(() => process.exit(3), 10);
    return new Promise(() => undefined);
  });
  return server;
}

/** The same tools over streamable HTTP, on 127.0.0.1 and a free port (stateful: one session per client). */
export async function startMcpHttpServer(): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer(async (req, res) => {
    const id = req.headers["mcp-session-id"];
    let transport = typeof id === "string" ? sessions.get(id) : undefined;
    if (!transport) {
      if (typeof id === "string") {
        res.writeHead(404).end("unknown session");
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => void sessions.set(sid, created),
      });
      created.onclose = () => created.sessionId && sessions.delete(created.sessionId);
      await createTestMcpServer("http").connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((done) => http.listen(0, "127.0.0.1", done));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    server: http,
    async close() {
      for (const transport of sessions.values()) await transport.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((done) => http.close(() => done()));
    },
  };
}

if (process.argv[1] === mcpTestServerFile) {
  process.stderr.write("mcp-test-server: ready on stdio\n");
  await createTestMcpServer(process.argv[2] ?? "stdio").connect(new StdioServerTransport());
}
