import type { McpServerConfig } from "../events.ts";

/**
 * Splits a command line into words the way a shell would for plain cases: whitespace separates, single
 * and double quotes group, a backslash escapes the next character. No variables, globs or pipes.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && i + 1 < line.length) word = (word ?? "") + line[++i];
      else word = (word ?? "") + char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= "";
    } else if (char === "\\" && i + 1 < line.length) word = (word ?? "") + line[++i];
    else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + char;
  }
  if (quote) throw new Error(`unclosed ${quote} in ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

const namePrefix = /^([A-Za-z0-9_-]{1,32})=/;

/** A name from a command or URL: the program's base name or the URL's host, cut to a valid server name. */
function defaultName(target: string): string {
  const base = URL.canParse(target) && /^https?:/.test(target) ? new URL(target).hostname : (target.split(/[\\/]/).pop() ?? target);
  return (
    base
      .replace(/\.(m?[jt]s|py|exe)$/, "")
      .replace(/[^A-Za-z0-9_-]/g, "_")
      .slice(0, 32) || "mcp"
  );
}

/**
 * Parses an operator's MCP server spec (`tributary agent --mcp …`): an http(s) URL (streamable HTTP) or a
 * command line (stdio), optionally named with `name=`. Without a name it is the program's (or host's).
 *
 * @example
 * parseMcpServerSpec("files=npx -y @modelcontextprotocol/server-filesystem /tmp");
 * // { name: "files", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"] }
 * parseMcpServerSpec("http://127.0.0.1:8931/mcp"); // { name: "127_0_0_1", url: "http://127.0.0.1:8931/mcp" }
 */
export function parseMcpServerSpec(spec: string): McpServerConfig {
  const named = namePrefix.exec(spec);
  const rest = (named ? spec.slice(named[0].length) : spec).trim();
  if (rest === "") throw new Error(`an MCP server needs a command or a URL; got '${spec}'`);
  if (/^https?:\/\//i.test(rest)) {
    if (!URL.canParse(rest)) throw new Error(`'${rest}' is not a URL`);
    return { name: named?.[1] ?? defaultName(rest), url: new URL(rest).href };
  }
  const [command, ...args] = splitCommandLine(rest);
  return { name: named?.[1] ?? defaultName(command!), command: command!, args };
}

/** What identifies a server: its URL, or its command and arguments (not its name). */
export const mcpServerKey = (server: McpServerConfig): string =>
  server.url !== undefined ? `url:${new URL(server.url).href}` : `stdio:${JSON.stringify([server.command, ...(server.args ?? [])])}`;

/**
 * The operator's server an event's entry stands for, or why it is refused. An event may name an allowed
 * server by its name alone, or give the same command and arguments (or the same URL) as one; it can never
 * start a program or reach a URL the operator did not list (an event is not allowed to run code).
 */
export function resolveAllowedServer(entry: McpServerConfig, allowed: readonly McpServerConfig[]): McpServerConfig | string {
  if (entry.command === undefined && entry.url === undefined) {
    const byName = allowed.find((server) => server.name === entry.name);
    return (
      byName ??
      `no MCP server named ${entry.name} is allowed (allowed: ${allowed.map((server) => server.name).join(", ") || "none"}; the operator allows one with tributary agent --mcp-allow)`
    );
  }
  if (entry.command !== undefined && entry.url !== undefined) return `give a command or a url for ${entry.name}, not both`;
  const key = mcpServerKey(entry);
  const match = allowed.find((server) => mcpServerKey(server) === key);
  if (!match) {
    const what = entry.url ?? [entry.command, ...(entry.args ?? [])].join(" ");
    return `refused: ${what} is not an MCP server the operator allowed (tributary agent --mcp-allow); an event may not start programs or reach URLs of its own`;
  }
  return { ...match, name: entry.name };
}
