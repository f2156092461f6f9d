import type { SandboxLimits } from "@tributary/server";
import { parseAllowOutbound } from "@tributary/server/outbound";
import { CliError } from "./cli-error.ts";
import type { Command } from "./command.ts";
import { intFlag, parseFlags } from "./parse-flags.ts";

const help = `Usage: tributary serve [options]

Starts the server and the web UI on embedded storage (SQLite in --data-dir).

Options:
  --port <n>          port to listen on (default 4000; 0 picks a free one)
  --host <addr>       address to bind (default 127.0.0.1)
  --data-dir <dir>    where the database lives (default ./data; TRIBUTARY_DATA_DIR)
  --database-url <u>  use PostgreSQL instead (postgres://…; TRIBUTARY_DATABASE_URL): several
                      servers can share one database and each other's live readers
  --fsync <mode>      normal: acknowledged appends survive a crash of the server (default);
                      full: they survive power loss too (slower)
  --lease-ttl <time>  with --database-url: how long the built-ins lease lasts without renewal (default
                      10s; e.g. 2.5s, 500ms). The holder stops its built-ins when a renewal is that
                      late; another server takes over after it. Shorter fails over sooner, but
                      a stall (GC, load) longer than it makes the holder step down
  --cluster-secret <s>
                      with --database-url: route a stream written through several servers to one
                      of them, so its appends share one commit (TRIBUTARY_CLUSTER_SECRET; the same
                      on every server; signs the batches servers forward to each other)
  --advertise-url <u> with --cluster-secret: where the other servers reach this one (default: its
                      own URL; needed when --host is 0.0.0.0 or ::)
  --circuit-breaker <n/s|off>
                      the default breaker of every stream: more than n events within s seconds pauses
                      it (default 100/1); off disables the default (a stream can still configure one)
  --auth              require a token with scopes on every request (see docs/security.md); the
                      first admin token comes from TRIBUTARY_ADMIN_TOKEN, else it is printed once
                      and written to <data-dir>/admin-token (mode 0600)
  --no-auth           serve a non-loopback --host without tokens (refused unless given)
  --allow-outbound <list>
                      loopback/private addresses, CIDR ranges or host names that webhooks may call
                      (comma-separated); with --auth or a non-loopback host they are refused otherwise
  --cors-origin <o>   a web origin allowed to call the API from a browser (repeat; * for any)
  --allow-host <name> a further name a loopback-bound server answers to (repeat)
  --rate-limit <n/s|off>
                      requests per token under --auth (default 1000/1)
  --schedule-quota <stream/project>
                      the most schedules one stream and one project may hold (default 100/1000)
  --subscription-quota <stream/project>
                      the most webhooks one stream and one project may hold (default 20/200)
  --min-schedule-interval <seconds>
                      how often a repeating schedule may fire at most (default 1)
  --log-level <lvl>   debug, info, warn, error or silent (default info)

Hosted processors (tributary deploy; see docs/hosted-processors.md):
  --sandbox-cpu-ms <n>        CPU time one call may use (default 100)
  --sandbox-memory-mb <n>     an isolate's heap limit (default 64)
  --sandbox-wall-ms <n>       wall time one afterAppend / onCaughtUp may take (default 30000)
  --sandbox-max-failures <n>  failed calls in a row before the processor is suspended (default 3)
  --secrets-key-file <file>   the key secrets are encrypted with (default <data-dir>/secrets.key;
                              created with mode 0600). Keep it outside the data directory, and give
                              every server on one PostgreSQL database the same file
  -h, --help          show this help`;

export const serveCommand: Command = {
  summary: "start the server and web UI (embedded storage)",
  async run(argv) {
    const { values } = parseFlags(
      "serve",
      argv,
      {
        port: { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "database-url": { type: "string" },
        fsync: { type: "string" },
        "log-level": { type: "string" },
        "circuit-breaker": { type: "string" },
        "lease-ttl": { type: "string" },
        "cluster-secret": { type: "string" },
        "advertise-url": { type: "string" },
        auth: { type: "boolean" },
        "no-auth": { type: "boolean" },
        "allow-outbound": { type: "string", multiple: true },
        "cors-origin": { type: "string", multiple: true },
        "allow-host": { type: "string", multiple: true },
        "rate-limit": { type: "string" },
        "sandbox-cpu-ms": { type: "string" },
        "sandbox-memory-mb": { type: "string" },
        "sandbox-wall-ms": { type: "string" },
        "sandbox-max-failures": { type: "string" },
        "secrets-key-file": { type: "string" },
        "schedule-quota": { type: "string" },
        "subscription-quota": { type: "string" },
        "min-schedule-interval": { type: "string" },
      },
      false,
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    const port = intFlag("port", values.port ?? process.env.PORT, 4000, 0, 65535);
    const fsync = values.fsync ?? "normal";
    if (fsync !== "normal" && fsync !== "full") throw new CliError(`--fsync must be normal or full; got '${fsync}'.`);
    const logLevel = values["log-level"] ?? "info";
    if (!["debug", "info", "warn", "error", "silent"].includes(logLevel)) {
      throw new CliError(`--log-level must be debug, info, warn, error or silent; got '${logLevel}'.`);
    }
    const circuitBreaker = parseBreaker(values["circuit-breaker"]);
    const dataDir = values["data-dir"] ?? process.env.TRIBUTARY_DATA_DIR ?? "./data";
    const databaseUrl = values["database-url"] ?? process.env.TRIBUTARY_DATABASE_URL;
    if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new CliError(`--database-url must be a postgres:// or postgresql:// URL; got '${databaseUrl}'.`);
    }
    if (values.auth && values["no-auth"]) throw new CliError("--auth and --no-auth contradict each other; pass one.");
    const auth = values.auth ? true : values["no-auth"] ? false : undefined;
    let allowOutbound: string[];
    try {
      allowOutbound = (values["allow-outbound"] ?? []).flatMap(parseAllowOutbound);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const rateLimit = parseRate(values["rate-limit"]);
    const sandbox = parseSandboxLimits(values);
    const quotas = parseQuotas(values);
    const leaseTtlMs = parseLeaseTtl(values["lease-ttl"]);
    const cluster = parseCluster(
      values["cluster-secret"] ?? (process.env.TRIBUTARY_CLUSTER_SECRET || undefined),
      values["advertise-url"],
      values.host,
      databaseUrl,
    );
    let server;
    try {
      // Loaded once the flags are valid, so a mistyped flag is answered at once.
      const { createLogger, createPostgresStore, startServer } = await import("@tributary/server");
      const logger = createLogger({ level: logLevel as "info" });
      const store = databaseUrl ? await createPostgresStore({ connectionString: databaseUrl, logger }) : undefined;
      server = await startServer({
        port,
        host: values.host ?? "127.0.0.1",
        dataDir,
        fsync,
        store,
        circuitBreaker,
        logger,
        leaseTtlMs,
        ...(cluster ? { cluster } : {}),
        auth,
        adminToken: process.env.TRIBUTARY_ADMIN_TOKEN || undefined,
        allowOutbound,
        corsOrigins: values["cors-origin"],
        allowedHosts: values["allow-host"],
        rateLimit,
        sandbox,
        secretsKeyFile: values["secrets-key-file"],
        quotas,
        eventTypes: await agentDocTypes(),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new CliError(`port ${port} is in use; pass --port with another one (or 0 for any).`, 1);
      throw new CliError((error as Error).message, 1);
    }
    const storage = databaseUrl ? `PostgreSQL ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}` : dataDir === ":memory:" ? "in memory" : dataDir;
    console.log(`Tributary is listening on ${server.url}  (data: ${storage})`);
    console.log(`  UI:   ${server.url}/`);
    if (auth) {
      console.log(`  Auth: on; send Authorization: Bearer <token> (TRIBUTARY_TOKEN for the CLI and SDK)`);
      const first = server.firstAdminToken;
      if (first) {
        console.log(`  First admin token (shown once${first.file ? `, also in ${first.file}` : ""}):`);
        console.log(`    ${first.token}`);
      }
      console.log(`  Try:  curl -H "Authorization: Bearer $TRIBUTARY_TOKEN" --json '{"type":"hello-world"}' ${server.url}/api/streams/me/hello-world`);
    } else {
      console.log(`  Try:  curl --json '{"type":"hello-world"}' ${server.url}/api/streams/me/hello-world`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    return 0;
  },
};

/** Parses `<count>/<seconds>` (or `off`) for a flag such as --circuit-breaker 100/1. */
function parsePerSeconds(flag: string, unit: string, example: string, value: string | undefined): { count: number; seconds: number } | false | undefined {
  if (value === undefined) return undefined;
  if (value === "off") return false;
  const match = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(value);
  if (!match || Number(match[1]) < 1 || Number(match[2]) <= 0) {
    throw new CliError(`--${flag} must be <${unit}>/<seconds> such as ${example}, or off; got '${value}'.`);
  }
  return { count: Number(match[1]), seconds: Number(match[2]) };
}

function parseRate(value: string | undefined): { requests: number; perSeconds: number } | false | undefined {
  const parsed = parsePerSeconds("rate-limit", "requests", "1000/1", value);
  return parsed ? { requests: parsed.count, perSeconds: parsed.seconds } : parsed;
}

function parseBreaker(value: string | undefined): { maxEvents: number; windowSeconds: number } | false | undefined {
  const parsed = parsePerSeconds("circuit-breaker", "events", "100/1", value);
  return parsed ? { maxEvents: parsed.count, windowSeconds: parsed.seconds } : parsed;
}

/** The sandbox limits given as flags; the rest keep their defaults (sandbox/sandbox-limits.ts). */
function parseSandboxLimits(values: Record<string, unknown>): Partial<SandboxLimits> {
  const limits: Partial<SandboxLimits> = {};
  const flags = [
    ["sandbox-cpu-ms", "cpuMs", 1, 60_000],
    ["sandbox-memory-mb", "memoryMb", 8, 16_384],
    ["sandbox-wall-ms", "wallMs", 1, 3_600_000],
    ["sandbox-max-failures", "maxFailures", 1, 1_000_000],
  ] as const;
  for (const [flag, key, min, max] of flags) {
    const value = values[flag] as string | undefined;
    if (value !== undefined) limits[key] = intFlag(flag, value, 0, min, max);
  }
  return limits;
}

/** Parses `<per stream>/<per project>`, e.g. --schedule-quota 100/1000. */
function parseQuota(flag: string, value: string | undefined): { perStream: number; perProject: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < Number(match[1])) {
    throw new CliError(`--${flag} must be <per stream>/<per project>, two whole numbers with the second at least the first, such as 100/1000; got '${value}'.`);
  }
  return { perStream: Number(match[1]), perProject: Number(match[2]) };
}

function parseQuotas(values: { "schedule-quota"?: string; "subscription-quota"?: string; "min-schedule-interval"?: string }) {
  const schedules = parseQuota("schedule-quota", values["schedule-quota"]);
  const subscriptions = parseQuota("subscription-quota", values["subscription-quota"]);
  const interval = values["min-schedule-interval"];
  if (interval !== undefined && !(/^\d+(\.\d+)?$/.test(interval) && Number(interval) >= 0.1)) {
    throw new CliError(`--min-schedule-interval must be a number of seconds, at least 0.1 (the shortest interval a schedule can have); got '${interval}'.`);
  }
  return {
    ...(schedules ? { schedules } : {}),
    ...(subscriptions ? { subscriptions } : {}),
    ...(interval !== undefined ? { minScheduleIntervalSeconds: Number(interval) } : {}),
  };
}

/**
 * The agent's event types, documented by this server at /api/docs/events (the server itself does not
 * depend on the agent). Only the vocabulary (zod schemas) is loaded, not the agent, and only once the flags
 * are valid, so a mistyped flag is answered as fast as before.
 */
async function agentDocTypes() {
  const { agentEventTypes } = await import("@tributary/agent/event-types");
  return [...agentEventTypes.values()].map((type) => ({ ...type, group: "agent" }));
}

function parseLeaseTtl(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value);
  const ms = match ? Number(match[1]) * (match[2] === "ms" ? 1 : 1000) : Number.NaN;
  if (!(ms >= 100 && ms <= 600_000)) throw new CliError(`--lease-ttl must be a time between 100ms and 600s, such as 10s or 2.5s; got '${value}'.`);
  return ms;
}

/** `--cluster-secret` and `--advertise-url`: routing needs a shared database and a URL the other servers can reach. */
function parseCluster(secret: string | undefined, advertiseUrl: string | undefined, host: string | undefined, databaseUrl: string | undefined) {
  if (secret === undefined) {
    if (advertiseUrl !== undefined) throw new CliError("--advertise-url needs --cluster-secret.");
    return undefined;
  }
  if (databaseUrl === undefined) throw new CliError("--cluster-secret needs --database-url: routing is between servers on one PostgreSQL database.");
  if (secret.length < 16) throw new CliError("--cluster-secret must be at least 16 characters.");
  if (advertiseUrl !== undefined && !/^https?:\/\/[^/]+$/.test(advertiseUrl)) {
    throw new CliError(`--advertise-url must be http(s)://host:port without a path; got '${advertiseUrl}'.`);
  }
  if (advertiseUrl === undefined && (host === "0.0.0.0" || host === "::")) {
    throw new CliError(`--cluster-secret with --host ${host} needs --advertise-url (the address the other servers reach this one at).`);
  }
  return { secret, ...(advertiseUrl ? { advertiseUrl } : {}) };
}
