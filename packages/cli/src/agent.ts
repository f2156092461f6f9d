import { resolve } from "node:path";
import { statSync } from "node:fs";
import { parseStreamPath } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { asCliError, clientFlags, clientFlagsHelp, clientFromFlags } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { intFlag, parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary agent <path> [options]

Runs the LLM agent and its tools (shell, read_file, write_file, edit_file; subagent with --children) as
processors on <path>. Send it work with 'tributary chat <path>' or by appending agent-input-added:
  curl --json '{"type":"agent-input-added","payload":{"content":"hi"}}' $TRIBUTARY_URL/api/streams<path>

Options:
  --children              also run on every descendant stream (sub-agents live there)
  --base-url <url>        the OpenAI-compatible endpoint (default OPENAI_BASE_URL, else https://api.openai.com/v1)
  --model <name>          the model (default gpt-4o-mini); an agent-model-changed event overrides it
  --api <chat|responses>  the wire API (default chat)
  --system-prompt <text>  the system prompt
  --cwd <dir>             the tools' working directory (default: the current directory)
  --sandbox               run shell commands in just-bash (no real processes; files in --cwd only)
  --no-tools              no shell or file tools
  --deploy-tool           offer deploy_processor: the model may write a processor and deploy it on <path>
                          or below, where the server runs it sandboxed (docs/hosted-processors.md)
  --context-window-ms <n> how long to wait for context before each request (default 200)
  --max-turns <n>         model requests per input at most (default 20)
  --connect-timeout-ms <n>      a model request's time to its response headers (default 30000)
  --first-token-timeout-ms <n>  from the headers to the first token (default 120000)
  --idle-timeout-ms <n>   silence allowed between chunks after the first token (default 60000)
  --max-retries <n>       retries of a request that failed before its first token (default 2; each one an event)
  --tool-timeout-ms <n>   how long a tool call may run before it ends with an error (default 300000)
  --max-subagent-depth <n> how deep sub-agents may nest (default 3; 0: none)
  --lease-ttl-ms <n>      one agent per stream: a second one waits as a standby and takes over when the
                          first one's heartbeat stands still this long (default 10000)
  --mcp <command or URL>  an MCP server whose tools the agent is offered on every stream (repeatable):
                          a command line (stdio) or an http(s) URL (streamable HTTP), named with name=…
                          (default: the program's or host's name); its tools are <name>__<tool>
  --mcp-allow <command or URL>  an MCP server an agent-mcp-servers-configured event may ask for (repeatable);
                          an event can name no other (it must not start programs or reach URLs of its own)
  --tool-policy <tool>=<allow|ask|deny>  a tool's approval policy (repeatable; '*' for the default);
                          ask: each call waits for agent-tool-call-approved / -denied (the UI, tributary chat)
  --approval-timeout-ms <n> how long an ask call waits before it is denied (default 600000)
${clientFlagsHelp}
  -h, --help              show this help

The API key comes from OPENAI_API_KEY (local servers such as Ollama or mock-llm need none).`;

export const agentCommand: Command = {
  summary: "run the LLM agent and its tools on a stream",
  async run(argv) {
    const { values, positionals } = parseFlags("agent", argv, {
      children: { type: "boolean" },
      "base-url": { type: "string" },
      model: { type: "string" },
      api: { type: "string" },
      "system-prompt": { type: "string" },
      cwd: { type: "string" },
      sandbox: { type: "boolean" },
      "no-tools": { type: "boolean" },
      "deploy-tool": { type: "boolean" },
      "context-window-ms": { type: "string" },
      "max-turns": { type: "string" },
      "connect-timeout-ms": { type: "string" },
      "first-token-timeout-ms": { type: "string" },
      "idle-timeout-ms": { type: "string" },
      "max-retries": { type: "string" },
      "tool-timeout-ms": { type: "string" },
      "max-subagent-depth": { type: "string" },
      "lease-ttl-ms": { type: "string" },
      mcp: { type: "string", multiple: true },
      "mcp-allow": { type: "string", multiple: true },
      "tool-policy": { type: "string", multiple: true },
      "approval-timeout-ms": { type: "string" },
      ...clientFlags,
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError("give exactly one stream path, e.g. tributary agent /me/agent. See 'tributary agent --help'.");
    let path: string;
    try {
      path = parseStreamPath(positionals[0]!);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const api = values.api ?? "chat";
    if (api !== "chat" && api !== "responses") throw new CliError(`--api must be chat or responses; got '${api}'.`);
    const baseUrl = values["base-url"] ?? process.env.OPENAI_BASE_URL;
    if (baseUrl !== undefined && !URL.canParse(baseUrl)) throw new CliError(`--base-url must be a URL such as http://127.0.0.1:4010/v1; got '${baseUrl}'.`);
    const cwd = resolve(values.cwd ?? process.cwd());
    if (!values["no-tools"] && !statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`--cwd ${cwd} is not a directory.`);
    const contextWindowMs = values["context-window-ms"] === undefined ? undefined : intFlag("context-window-ms", values["context-window-ms"], 200, 0, 60_000);
    const maxTurns = values["max-turns"] === undefined ? undefined : intFlag("max-turns", values["max-turns"], 20, 1, 1000);
    const optionalInt = (name: keyof typeof values, fallback: number, min: number, max: number) =>
      values[name] === undefined ? undefined : intFlag(name, values[name] as string, fallback, min, max);
    const limits = {
      connectTimeoutMs: optionalInt("connect-timeout-ms", 30_000, 100, 3_600_000),
      firstTokenTimeoutMs: optionalInt("first-token-timeout-ms", 120_000, 100, 3_600_000),
      idleTimeoutMs: optionalInt("idle-timeout-ms", 60_000, 100, 3_600_000),
      maxRetries: optionalInt("max-retries", 2, 0, 10),
      toolTimeoutMs: optionalInt("tool-timeout-ms", 300_000, 100, 86_400_000),
      maxSubagentDepth: optionalInt("max-subagent-depth", 3, 0, 20),
    };
    const leaseTtlMs = optionalInt("lease-ttl-ms", 10_000, 100, 600_000);
    const approvalTimeoutMs = optionalInt("approval-timeout-ms", 600_000, 100, 86_400_000);
    const policies = toolPolicyFlags(values["tool-policy"] ?? []);
    const { parseMcpServerSpec } = await import("@tributary/agent");
    const mcpSpec = (flag: string) => (spec: string) => {
      try {
        return parseMcpServerSpec(spec);
      } catch (error) {
        throw new CliError(`--${flag}: ${(error as Error).message}.`);
      }
    };
    const mcpServers = (values.mcp ?? []).map(mcpSpec("mcp"));
    const mcpAllow = (values["mcp-allow"] ?? []).map(mcpSpec("mcp-allow"));
    const client = clientFromFlags(values);
    // Loaded here, not at the top: the other commands should not pay for the agent's dependencies.
    const { startAgent } = await import("@tributary/agent");
    let agent;
    try {
      agent = await startAgent({
        path,
        client,
        children: values.children ?? false,
        ...(values["no-tools"] ? {} : { cwd }),
        shell: { mode: values.sandbox ? "just-bash" : "bash" },
        deployTool: values["deploy-tool"] ?? false,
        agent: {
          model: values.model,
          baseUrl,
          api,
          systemPrompt: values["system-prompt"],
          contextWindowMs,
          maxTurns,
          ...limits,
          ...policies,
          approvalTimeoutMs,
        },
        ...(mcpServers.length + mcpAllow.length > 0 ? { mcp: { servers: mcpServers, allow: mcpAllow } } : {}),
        lease: { ttlMs: leaseTtlMs, onStandby: () => console.log(`standby: another agent process answers on ${path}; this one takes over when it stops`) },
      });
    } catch (error) {
      throw asCliError(client, error);
    }
    const tools = [
      ...(values["no-tools"] ? [] : [`shell${values.sandbox ? " (sandboxed)" : ""}, read_file, write_file, edit_file (in ${cwd})`]),
      ...(values["deploy-tool"] ? [`deploy_processor (on ${path} and below)`] : []),
      ...(values.children ? ["subagent"] : []),
    ];
    console.log(
      `agent running on ${path}${values.children ? " and its children" : ""} · model ${values.model ?? "gpt-4o-mini"} · ${api} API at ${baseUrl ?? "https://api.openai.com/v1"}`,
    );
    console.log(`  tools: ${tools.length > 0 ? tools.join(", ") : "none"}`);
    if (mcpServers.length > 0) console.log(`  mcp:   ${mcpServers.map((server) => `${server.name} (${server.url ?? "stdio"})`).join(", ")}`);
    if (mcpAllow.length > 0) console.log(`  mcp allowed for events: ${mcpAllow.map((server) => server.name).join(", ")}`);
    console.log(`  chat:  tributary chat ${path}`);
    const stopped = new Promise<void>((done) => {
      process.once("SIGINT", () => done());
      process.once("SIGTERM", () => done());
    });
    const failed = agent.done().then(
      () => undefined,
      (error: unknown) => error,
    );
    const outcome = await Promise.race([stopped.then(() => undefined), failed]);
    await agent.stop();
    if (outcome) throw new CliError(`stopped: ${(outcome as Error).message ?? String(outcome)}`, 1);
    return 0;
  },
};

/** `--tool-policy shell=ask` flags as the agent's policies (`*=…` sets the default). */
function toolPolicyFlags(flags: string[]): { toolPolicies?: Record<string, "allow" | "ask" | "deny">; defaultToolPolicy?: "allow" | "ask" | "deny" } {
  const toolPolicies: Record<string, "allow" | "ask" | "deny"> = {};
  let defaultToolPolicy: "allow" | "ask" | "deny" | undefined;
  for (const flag of flags) {
    const match = /^([A-Za-z0-9_*-]{1,64})=(allow|ask|deny)$/.exec(flag);
    if (!match) throw new CliError(`--tool-policy takes <tool>=<allow|ask|deny> (or *=… for the default), e.g. --tool-policy shell=ask; got '${flag}'.`);
    const policy = match[2] as "allow" | "ask" | "deny";
    if (match[1] === "*") defaultToolPolicy = policy;
    else toolPolicies[match[1]!] = policy;
  }
  return { ...(Object.keys(toolPolicies).length > 0 ? { toolPolicies } : {}), ...(defaultToolPolicy ? { defaultToolPolicy } : {}) };
}
