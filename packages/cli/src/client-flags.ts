import { parseProject, TributaryError } from "@tributary/protocol";
import { createEventsClient, type EventsClient } from "@tributary/sdk";
import { CliError } from "./cli-error.ts";

/** The flags every command that talks to a server takes. */
export const clientFlags = {
  url: { type: "string" },
  project: { type: "string" },
} as const;

export const clientFlagsHelp = `  --url <url>         the server (default: TRIBUTARY_URL, else http://127.0.0.1:4000)
  --project <name>    the project (default: TRIBUTARY_PROJECT, else the server's default project)`;

/**
 * Builds a client from `--url` / `TRIBUTARY_URL` and `--project` / `TRIBUTARY_PROJECT`, checking both.
 *
 * @example
 * const { values } = parseFlags("ls", argv, { ...clientFlags });
 * const client = clientFromFlags(values);
 */
export function clientFromFlags(values: { url?: string | undefined; project?: string | undefined }): EventsClient {
  const baseUrl = values.url ?? process.env.TRIBUTARY_URL ?? "http://127.0.0.1:4000";
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new CliError(`--url must be an http(s) URL such as http://127.0.0.1:4000; got '${baseUrl}'.`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(`--url must be an http(s) URL such as http://127.0.0.1:4000; got '${baseUrl}'.`);
  }
  const project = values.project ?? process.env.TRIBUTARY_PROJECT;
  try {
    if (project !== undefined) parseProject(project);
  } catch (error) {
    throw new CliError(`--project: ${(error as Error).message}`);
  }
  return createEventsClient({ baseUrl, ...(project ? { project } : {}) });
}

/**
 * Runs work against the server and turns its errors into one-line CLI errors: an unreachable server
 * says how to start one; a refused request shows the server's message and code.
 */
export async function talkingToServer<T>(client: EventsClient, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asCliError(client, error);
  }
}

export function asCliError(_client: EventsClient, error: unknown): unknown {
  if (!(error instanceof TributaryError)) return error;
  if (error.code === "unavailable" && error.details.httpStatus === undefined) {
    return new CliError(`${error.message} Start one with 'npx tributary serve', or point --url (or TRIBUTARY_URL) at a running one.`, 1);
  }
  return new CliError(`${error.message} [${error.code}]`, 1);
}
