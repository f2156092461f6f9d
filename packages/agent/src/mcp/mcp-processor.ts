import type { EventInput, Processor, ProcessorAppend } from "@tributary/protocol";
import { agentEvent } from "../agent-event-types.ts";
import type { McpServerConfig, ToolDefinition } from "../events.ts";
import { createPendingAppends } from "../tools/pending-appends.ts";
import { runToolCall } from "../tools/run-tool-call.ts";
import { connectMcpServer, type McpConnection } from "./mcp-connection.ts";
import { mcpServerKey, resolveAllowedServer } from "./mcp-server-spec.ts";
import { initialMcpToolState, reduceMcpToolState, type McpToolState } from "./mcp-tool-state.ts";

export interface McpProcessorOptions {
  /** Servers whose tools are offered on every stream the processor runs on (`tributary agent --mcp`). */
  servers?: McpServerConfig[];
  /** Servers an `agent-mcp-servers-configured` event may ask for (`--mcp-allow`); `servers` are allowed too. */
  allow?: McpServerConfig[];
  /** The processor's slug (default `mcp`). */
  slug?: string;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
}

/** One live server: its connection, the streams its tools are offered on, where its stderr goes. */
interface LiveServer {
  key: string;
  connection: McpConnection;
  streams: Set<string>;
  /** The append of the processor that connected it (for events outside an event's side effect). */
  append: ProcessorAppend;
}

/** Where a tool offered on a stream goes: its server and its name there. */
interface Route {
  key: string;
  server: string;
  mcpName: string;
  /** The JSON of its announcement, to tell a changed tool from the same one. */
  json: string;
}

const stderrChunkChars = 4000;
const stderrEventsMax = 500;

/** `<server>__<tool>`, in the characters and length a tool name may have. */
export const mcpToolName = (server: string, tool: string) => `${server}__${tool.replace(/[^A-Za-z0-9_-]/g, "_")}`.slice(0, 64);

/**
 * MCP servers' tools as agent tools, one stream processor. Rules:
 * 1. The servers of a stream are the operator's (`servers`, on every stream) and those its newest
 *    `agent-mcp-servers-configured` asks for, each of which must be one the operator allowed (`allow` or
 *    `servers`: by name, or the same command and arguments, or the same URL). Any other is refused with
 *    `agent-mcp-server-failed {refused: true}`: an event never starts a program or reaches a URL by itself.
 * 2. It connects to each server once (stdio: one child process; HTTP: one session), shared by the streams
 *    that use it, announces every tool as `<server>__<tool>` with its description and JSON schema on each
 *    of those streams (`agent-tool-announced`, `acknowledges: true`), and says so
 *    (`agent-mcp-server-connected`). A server that cannot be reached gives `agent-mcp-server-failed`.
 * 3. A call is acknowledged (`agent-tool-call-started`), sent to the server (`tools/call`) and answered
 *    with its content as text; an MCP error result is an error result. A call closed by someone else (the
 *    agent's timeout, an interruption) is cancelled on the server.
 * 4. When a server says its tools changed (`notifications/tools/list_changed`), new and changed tools are
 *    announced and removed ones withdrawn on every stream that uses it.
 * 5. What a stdio server writes to stderr becomes `agent-mcp-server-stderr` events on the stream that
 *    started it (batched, at most 500 events a server).
 * 6. When a server goes away (its process exits, its HTTP endpoint stops answering), every stream that
 *    offered its tools gets `agent-mcp-server-disconnected` and an `agent-tool-withdrawn` per tool. It
 *    connects again after 0.5 s (doubling, five tries), and with every `agent-input-added`. `close()` does the same, with the reason "the agent stopped".
 * 7. Calls to its tools that were open when it started get an error result (the last process may have
 *    half-run them); tools it announced before that are no longer configured are withdrawn.
 *
 * @example
 * const mcp = createMcpProcessor({ servers: [{ name: "files", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."] }] });
 * const runtime = new PullProcessorRuntime({ path: "/me/agent", processor: mcp.processor });
 * await runtime.start();
 * // … later: await runtime.stop(); await mcp.close();
 */
export function createMcpProcessor(options: McpProcessorOptions = {}): { processor: Processor<McpToolState>; close(): Promise<void> } {
  const slug = options.slug ?? "mcp";
  const operator = options.servers ?? [];
  const allowed = [...operator, ...(options.allow ?? [])];
  const live = new Map<string, Promise<LiveServer>>();
  const offered = new Map<string, Map<string, Route>>();
  const locks = new Map<string, Promise<unknown>>();
  const running = new Map<string, AbortController>();
  const pending = createPendingAppends();
  let closed = false;
  /** The newest state and append seen per stream: a reconnection after a server went away uses them. */
  const latest = new Map<string, { state: McpToolState; append: ProcessorAppend }>();

  /** Runs `task` after the earlier ones on the same stream, so two announcements never race. */
  const withLock = <T>(path: string, task: () => Promise<T>): Promise<T> => {
    const next = (locks.get(path) ?? Promise.resolve()).then(task, task);
    locks.set(
      path,
      next.catch(() => undefined),
    );
    return next;
  };
  const send = (path: string, event: EventInput, append: ProcessorAppend) => pending.send(path, event, append);

  function routesOf(path: string): Map<string, Route> {
    let routes = offered.get(path);
    if (!routes) offered.set(path, (routes = new Map()));
    return routes;
  }

  /** The servers a stream should have, and the entries of its configuration that are refused. */
  function wanted(state: McpToolState): { servers: McpServerConfig[]; refused: { name: string; message: string }[] } {
    const servers = [...operator];
    const refused: { name: string; message: string }[] = [];
    for (const entry of state.configured ?? []) {
      const resolved = resolveAllowedServer(entry, allowed);
      if (typeof resolved === "string") refused.push({ name: entry.name, message: resolved });
      else if (!servers.some((server) => server.name === resolved.name)) servers.push(resolved);
    }
    return { servers, refused };
  }

  function connect(config: McpServerConfig, home: string, append: ProcessorAppend): Promise<LiveServer> {
    const key = mcpServerKey(config);
    const known = live.get(key);
    if (known !== undefined) return known;
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    let events = 0;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      while (stderr !== "" && events < stderrEventsMax) {
        const text = stderr.slice(0, stderrChunkChars);
        stderr = stderr.slice(stderrChunkChars);
        events++;
        const note = events === stderrEventsMax ? "\n(further stderr of this server is not recorded)" : "";
        void send(home, agentEvent("agent-mcp-server-stderr", { name: config.name, text: text + note }), append).catch(() => undefined);
      }
      stderr = "";
    };
    const opening = (async (): Promise<LiveServer> => {
      const connection = await connectMcpServer(config, {
        connectTimeoutMs: options.connectTimeoutMs,
        callTimeoutMs: options.callTimeoutMs,
        onStderr: (text) => {
          if (events >= stderrEventsMax) return;
          stderr += text;
          if (stderr.length >= stderrChunkChars) flush();
          else timer ??= setTimeout(flush, 100);
        },
        onGone: (reason) => {
          flush();
          void opening.then((server) => gone(server, reason));
        },
        // The server's tools changed: each stream that uses it gets the new ones and loses the removed ones.
        onToolsChanged: () =>
          void opening.then(async (server) => {
            for (const path of server.streams) {
              const known = latest.get(path);
              if (known) await sync(path, known.state, known.append, false).catch(() => undefined);
            }
          }),
      });
      if (closed) {
        // Stopped while it connected: the process must not outlive the agent.
        await connection.close();
        throw new Error("the agent stopped");
      }
      return { key, connection, streams: new Set(), append };
    })();
    live.set(key, opening);
    opening.catch(() => {
      flush();
      live.delete(key);
    });
    return opening;
  }

  /** A server went away: every stream that offered its tools is told, and its tools are withdrawn there. */
  async function gone(server: LiveServer, reason: string) {
    if (live.get(server.key) !== undefined && (await live.get(server.key)) === server) live.delete(server.key);
    await Promise.all([...server.streams].map((path) => withLock(path, () => detach(path, server.key, reason, server.append))));
    reconnectLater(server.key, [...server.streams], 1);
  }

  /** Connects again after a server went away: after 0.5 s, doubling, five tries; then with the next input. */
  function reconnectLater(key: string, paths: string[], attempt: number) {
    if (closed || attempt > 5) return;
    setTimeout(
      () => {
        void (async () => {
          for (const path of paths) {
            const known = latest.get(path);
            if (known && !closed) await sync(path, known.state, known.append, false).catch(() => undefined);
          }
          if (!live.has(key)) reconnectLater(key, paths, attempt + 1);
        })();
      },
      500 * 2 ** (attempt - 1),
    ).unref();
  }

  async function detach(path: string, key: string, reason: string, append: ProcessorAppend) {
    const routes = routesOf(path);
    const mine = [...routes].filter(([, route]) => route.key === key);
    const names = new Set(mine.map(([, route]) => route.server));
    for (const name of names) await send(path, agentEvent("agent-mcp-server-disconnected", { name, reason }), append).catch(() => undefined);
    for (const [tool, route] of mine) {
      routes.delete(tool);
      await send(path, agentEvent("agent-tool-withdrawn", { name: tool, reason: `its MCP server ${route.server} went away: ${reason}` }), append).catch(
        () => undefined,
      );
    }
  }

  /** Brings a stream's MCP tools in line with what it should have: connect, announce, withdraw. */
  function sync(path: string, state: McpToolState, append: ProcessorAppend, reportRefused: boolean) {
    return withLock(path, async () => {
      if (closed) return;
      const { servers, refused } = wanted(state);
      if (reportRefused) {
        for (const entry of refused)
          await send(path, agentEvent("agent-mcp-server-failed", { name: entry.name, message: entry.message, refused: true }), append);
      }
      const routes = routesOf(path);
      const keep = new Set<string>();
      const inUse = new Set<string>(); // servers this stream still uses, by key
      for (const config of servers) {
        let server: LiveServer;
        try {
          server = await connect(config, path, append);
        } catch (error) {
          if (closed) return;
          await send(path, agentEvent("agent-mcp-server-failed", { name: config.name, message: (error as Error).message ?? String(error) }), append);
          continue;
        }
        if (closed) return;
        inUse.add(server.key);
        const attached = server.streams.has(path);
        server.streams.add(path);
        const definitions = server.connection.tools.map((tool): [ToolDefinition, string] => {
          const { $schema: _ignored, ...parameters } = (tool.inputSchema ?? { type: "object" }) as Record<string, unknown>;
          const description = tool.description ?? tool.title ?? `${tool.name} from the MCP server ${config.name}`;
          return [{ name: mcpToolName(config.name, tool.name), description, parameters, acknowledges: true }, tool.name];
        });
        const fresh: string[] = [];
        for (const [definition, mcpName] of definitions) {
          keep.add(definition.name);
          const json = JSON.stringify(definition);
          if (routes.get(definition.name)?.json === json) continue;
          routes.set(definition.name, { key: server.key, server: config.name, mcpName, json });
          if (state.announced[definition.name] !== json) await send(path, agentEvent("agent-tool-announced", definition), append);
          fresh.push(definition.name);
        }
        if (!attached && fresh.length > 0) {
          const connected = {
            name: config.name,
            transport: server.connection.transport,
            tools: definitions.map(([definition]) => definition.name),
            ...(server.connection.server ? { server: server.connection.server } : {}),
          };
          await send(path, agentEvent("agent-mcp-server-connected", connected), append);
        }
      }
      // Tools of servers this stream no longer uses (or that the last process announced): withdrawn.
      for (const name of new Set([...routes.keys(), ...Object.keys(state.announced)])) {
        if (keep.has(name)) continue;
        const route = routes.get(name);
        routes.delete(name);
        const reason = route && inUse.has(route.key) ? "its MCP server no longer offers it" : "its MCP server is no longer configured on this stream";
        await send(path, agentEvent("agent-tool-withdrawn", { name, reason }), append);
      }
    });
  }

  async function answer(
    path: string,
    state: McpToolState,
    call: { callId: string; requestId: string; name: string; input: unknown; arguments: string },
    append: ProcessorAppend,
    signal: AbortSignal,
  ) {
    const route = offered.get(path)?.get(call.name);
    if (state.open[call.callId] === undefined) return;
    await runToolCall({
      path,
      call,
      append,
      signal,
      running,
      pending,
      keyPrefix: "mcp",
      stoppedOutput: `error: the MCP tool's process stopped while ${call.name} ran`,
      execute: async (callSignal) => {
        const server = route ? await live.get(route.key) : undefined;
        if (!route || !server)
          return { output: `error: the MCP server behind ${call.name} is not connected (it reconnects on its own and with the next input)`, isError: true };
        if (call.input === null && call.arguments.trim() !== "")
          return { output: `error: the arguments are not valid JSON: ${call.arguments.slice(0, 500)}`, isError: true };
        return server.connection.call(route.mcpName, call.input ?? {}, callSignal);
      },
    });
  }

  const processor: Processor<McpToolState> = {
    slug,
    initialState: initialMcpToolState,
    concurrency: "concurrent",
    reduce: ({ event, state }) => reduceMcpToolState(state, event, slug),
    async onCaughtUp({ state, append, path }) {
      latest.set(path, { state, append });
      for (const [callId, call] of Object.entries(state.open)) {
        const output = call.started
          ? "error: the MCP tool's process stopped while it ran this call (it may have done part of the work); it runs again now, so the call can be made again"
          : "error: this call was made while no process served the MCP tool; it runs now, so the call can be made again";
        await send(
          path,
          agentEvent("agent-tool-call-completed", { callId, name: call.name, output, isError: true }, { idempotencyKey: `agent:close:${callId}` }),
          append,
        ).catch(() => undefined);
      }
      await sync(path, state, append, true);
    },
    async afterAppend({ event, state, append, signal }) {
      const path = event.streamPath;
      latest.set(path, { state, append });
      await pending.flush(path, append);
      switch (event.type) {
        case "agent-mcp-servers-configured":
          return sync(path, state, append, true);
        case "agent-input-added":
          return sync(path, state, append, false);
        case "agent-tool-withdrawn":
          // Withdrawn by the agent (a call not acknowledged in time): announced again with the next input.
          offered.get(path)?.delete(String(event.payload.name));
          return;
        case "agent-tool-call-completed":
          running.get(`${path}#${String(event.payload.callId)}`)?.abort();
          return;
        case "agent-tool-call-requested": {
          const call = event.payload as { callId: string; requestId: string; name: string; input: unknown; arguments: string };
          if (state.open[call.callId] === undefined) return;
          return answer(path, state, call, append, signal);
        }
      }
    },
  };

  return {
    processor,
    /** Stops every server (stdio processes end, HTTP sessions close) and withdraws their tools. */
    async close() {
      closed = true;
      const servers = await Promise.all([...live.values()].map((server) => server.catch(() => undefined)));
      live.clear();
      for (const server of servers) {
        if (!server) continue;
        await server.connection.close();
        await Promise.all([...server.streams].map((path) => withLock(path, () => detach(path, server.key, "the agent stopped", server.append))));
      }
    },
  };
}
