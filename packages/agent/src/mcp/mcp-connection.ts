import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerConfig } from "../events.ts";

/** A live connection to one MCP server. */
export interface McpConnection {
  transport: "stdio" | "http";
  /** The server's name and version, as it reported them. */
  server?: string;
  /** Its tools, as last listed (kept up to date when the server says they changed). */
  tools: McpTool[];
  /** Calls a tool; an MCP error result (`isError`) is a result, a protocol failure throws. */
  call(name: string, input: unknown, signal: AbortSignal): Promise<{ output: string; isError: boolean }>;
  close(): Promise<void>;
}

export interface McpConnectOptions {
  /** What a stdio server writes to stderr, as it comes. */
  onStderr?: (text: string) => void;
  /** Called once when the server goes away (not after `close()`), with why. */
  onGone?: (reason: string) => void;
  /** Called when the server said its tools changed (`notifications/tools/list_changed`), after `tools` was refreshed. */
  onToolsChanged?: () => void;
  /** The handshake's time limit (default 30 s). */
  connectTimeoutMs?: number;
  /** One call's time limit on the MCP side (default 300 s; the agent's own tool timeout usually ends it first). */
  callTimeoutMs?: number;
}

const maxOutputChars = 100_000;

/** An MCP call result's content as the text the model reads. */
export function contentToText(result: { content?: unknown; structuredContent?: unknown }): string {
  const parts = (Array.isArray(result.content) ? result.content : []).map((item: Record<string, unknown>) => {
    switch (item.type) {
      case "text":
        return String(item.text);
      case "image":
      case "audio":
        return `[${String(item.type)}: ${String(item.mimeType)}, ${String(item.data ?? "").length} base64 characters]`;
      case "resource": {
        const resource = (item.resource ?? {}) as Record<string, unknown>;
        return typeof resource.text === "string" ? resource.text : `[resource ${String(resource.uri)}]`;
      }
      case "resource_link":
        return `[resource ${String(item.uri)}${item.name ? ` (${String(item.name)})` : ""}]`;
      default:
        return JSON.stringify(item);
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  const text = parts.join("\n");
  return text.length > maxOutputChars ? `${text.slice(0, maxOutputChars)}\n… (${text.length - maxOutputChars} more characters cut)` : text;
}

/**
 * Connects to an MCP server with the official SDK: a stdio server is started as a child process (with the
 * SDK's default environment: PATH, HOME and the like, no credentials of the agent's), a URL is spoken to
 * over streamable HTTP. Resolves after the handshake and the first `tools/list`.
 *
 * @example
 * const mcp = await connectMcpServer({ name: "files", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."] });
 * const { output } = await mcp.call("list_directory", { path: "." }, AbortSignal.timeout(10_000));
 */
export async function connectMcpServer(config: McpServerConfig, options: McpConnectOptions = {}): Promise<McpConnection> {
  let connection: McpConnection | undefined;
  const client = new Client(
    { name: "tributary-agent", version: "0.1.0" },
    {
      listChanged: {
        tools: {
          debounceMs: 50,
          onChanged: (error, tools) => {
            if (error || !tools || !connection) return;
            connection.tools = tools;
            options.onToolsChanged?.();
          },
        },
      },
    },
  );
  let closing = false;
  let gone = false;
  const goAway = (reason: string) => {
    if (closing || gone) return;
    gone = true;
    options.onGone?.(reason);
    void client.close().catch(() => undefined);
  };
  let transport: StdioClientTransport | StreamableHTTPClientTransport;
  if (config.url !== undefined) {
    transport = new StreamableHTTPClientTransport(new URL(config.url), {
      reconnectionOptions: { maxRetries: 2, initialReconnectionDelay: 200, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 2 },
    });
  } else {
    const stdio = new StdioClientTransport({ command: config.command!, args: config.args ?? [], env: getDefaultEnvironment(), stderr: "pipe" });
    stdio.stderr?.on("data", (chunk: Buffer) => options.onStderr?.(chunk.toString("utf8")));
    transport = stdio;
  }
  client.onclose = () => goAway(config.url !== undefined ? "the connection to the server closed" : "the server's process exited");
  // Over HTTP nothing closes when the server dies; a broken event stream is the sign, and a ping tells.
  let checking = false;
  client.onerror = () => {
    if (config.url === undefined || checking || closing || gone) return;
    checking = true;
    client
      .ping({ timeout: 5_000 })
      .catch((error: unknown) => goAway(`the server does not answer: ${(error as Error).message}`))
      .finally(() => (checking = false));
  };
  await client.connect(transport, { timeout: options.connectTimeoutMs ?? 30_000 });
  let tools: McpTool[];
  try {
    tools = (await client.listTools(undefined, { timeout: options.connectTimeoutMs ?? 30_000 })).tools;
  } catch (error) {
    closing = true;
    await client.close().catch(() => undefined);
    throw error;
  }
  const version = client.getServerVersion();
  connection = {
    transport: config.url !== undefined ? "http" : "stdio",
    ...(version ? { server: `${version.name} ${version.version}` } : {}),
    tools,
    async call(name, input, signal) {
      const args = typeof input === "object" && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
      const result = await client.callTool({ name, arguments: args }, undefined, { signal, timeout: options.callTimeoutMs ?? 300_000 });
      return { output: contentToText(result as { content?: unknown; structuredContent?: unknown }), isError: result.isError === true };
    },
    async close() {
      closing = true;
      await client.close().catch(() => undefined);
    },
  };
  return connection;
}
