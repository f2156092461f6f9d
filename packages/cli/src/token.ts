import { projectHeader } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";
import { clientFlags, clientFlagsHelp, clientFromFlags } from "./client-flags.ts";
import type { Command } from "./command.ts";
import { parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary token <create|list|revoke> [options]

Manages the tokens of a server started with --auth, over its API, with an admin token in
TRIBUTARY_TOKEN (the first one is printed by 'tributary serve --auth' and kept in <data-dir>/admin-token).

  tributary token create <name> --scope <scope> [--scope <scope> …]
      prints the new token on standard output (once: only its hash is kept)
  tributary token list
  tributary token revoke <id>

A scope is read, append or admin, for a path prefix and its descendants: append:/me covers /me and
/me/…; read:myproject:/ names a project (else --project, else the default project); admin:*:/
covers every project.

Options:
  --scope <scope>     a scope of the new token (repeat for several)
${clientFlagsHelp}
  -h, --help          show this help

Example:
  TRIBUTARY_TOKEN=$(cat data/admin-token) tributary token create ci --scope append:/ci --scope read:/ci`;

interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  token?: string;
}

export const tokenCommand: Command = {
  summary: "create, list and revoke the tokens of a server started with --auth",
  async run(argv) {
    const { values, positionals } = parseFlags("token", argv, { ...clientFlags, scope: { type: "string", multiple: true } });
    if (values.help) {
      console.log(help);
      return 0;
    }
    const client = clientFromFlags(values);
    const [action, argument, ...extra] = positionals;
    const call = async (path: string, init: RequestInit = {}) => {
      const token = process.env.TRIBUTARY_TOKEN;
      let response: Response;
      try {
        response = await fetch(`${client.baseUrl}/api/tokens${path}`, {
          ...init,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(client.project ? { [projectHeader]: client.project } : {}),
            ...(init.body ? { "content-type": "application/json" } : {}),
          },
        });
      } catch (error) {
        throw new CliError(
          `Cannot reach the Tributary server at ${client.baseUrl} (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message}).`,
          1,
        );
      }
      const body = (await response.json().catch(() => ({}))) as { message?: string; code?: string };
      if (!response.ok) {
        const hint = response.status === 401 && !token ? " Set TRIBUTARY_TOKEN to an admin token." : "";
        throw new CliError(`${body.message ?? `HTTP ${response.status}`} [${body.code ?? response.status}]${hint}`, 1);
      }
      return body;
    };
    if (action === "create" && argument !== undefined && extra.length === 0) {
      const scopes = values.scope ?? [];
      if (scopes.length === 0) throw new CliError("token create needs at least one --scope, e.g. --scope append:/me. See 'tributary token --help'.");
      const created = (await call("", { method: "POST", body: JSON.stringify({ name: argument, scopes }) })) as TokenView;
      console.error(`Created token '${created.name}' (id ${created.id}) with ${created.scopes.join(", ")}. It is shown only now:`);
      console.log(created.token);
      return 0;
    }
    if (action === "list" && argument === undefined) {
      const { tokens } = (await call("")) as { tokens: TokenView[] };
      if (tokens.length === 0) console.log("No tokens.");
      for (const token of tokens) console.log(`${token.id}  ${token.name.padEnd(24)}  ${token.scopes.join(" ")}  ${token.createdAt}`);
      return 0;
    }
    if (action === "revoke" && argument !== undefined && extra.length === 0) {
      const revoked = (await call(`/${encodeURIComponent(argument)}`, { method: "DELETE" })) as { name: string };
      console.log(`Revoked token '${revoked.name}' (id ${argument}).`);
      return 0;
    }
    throw new CliError("token takes create <name> --scope <scope>, list, or revoke <id>. See 'tributary token --help'.");
  },
};
