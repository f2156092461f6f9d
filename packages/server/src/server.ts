import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { createAppender, type Appender } from "./append/appender.ts";
import { createBuiltinHost } from "./builtins/builtin-host.ts";
import { defaultBuiltins } from "./builtins/default-builtins.ts";
import { createBuiltinGate } from "./builtins/host/builtin-gate.ts";
import { createBuiltinStates, defaultSnapshotEvery } from "./builtins/host/builtin-states.ts";
import type { Limits, ServerParts } from "./context.ts";
import type { DocumentedEventType } from "./docs/event-type-docs.ts";
import { keepLease } from "./lease-keeper.ts";
import { join } from "node:path";
import { createSecretVault, loadSecretKeys } from "./builtins/secrets/secret-vault.ts";
import type { SandboxLimits } from "./sandbox/sandbox-limits.ts";
import type { QuotaSettings } from "./builtins/shared/quota.ts";
import { createLiveHub } from "./live/live-hub.ts";
import { answerClientErrors } from "./http/client-errors.ts";
import { isLoopbackHost } from "./browser/loopback-host.ts";
import { createOutboundFetch } from "./outbound/outbound-fetch.ts";
import { createOutboundPolicy } from "./outbound/outbound-policy.ts";
import { isShadowProject } from "./routes/durable-streams/ds-face.ts";
import { createLogger, type LogLevel, type Logger } from "./logger.ts";
import { createAuth } from "./auth/auth.ts";
import type { RateLimit } from "./auth/rate-limiter.ts";
import { createTokenStore } from "./auth/token-store.ts";
import { createSecurity } from "./security.ts";
import { createWriteRouter, type RoutingCounts } from "./cluster/write-router.ts";
import { createSqliteStore } from "./store/sqlite/sqlite-store.ts";
import { applyV8Settings } from "./v8-settings.ts";
import type { CursorStore, StreamStore } from "./store/stream-store.ts";

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Where the embedded SQLite database lives; `:memory:` for none. Ignored when `store` is given. */
  dataDir?: string;
  /** `normal`: durable against a crash of the server process; `full`: against power loss too. */
  fsync?: "normal" | "full";
  /** A store to use instead of the embedded SQLite one (for example PostgreSQL). */
  store?: StreamStore;
  limits?: Partial<Limits>;
  logLevel?: LogLevel;
  logger?: Logger;
  /** How long the built-ins lease lasts without renewal before another server may take it (default 10 s). */
  leaseTtlMs?: number;
  /** The clock built-ins use (tests pass a fake one). */
  now?: () => number;
  /** The circuit breaker of every stream that has not configured its own (default 100 events in 1 s); `false`: none. */
  circuitBreaker?: { maxEvents: number; windowSeconds: number } | false;
  /**
   * Event types to document at /api/docs/events besides the built-ins (the agent's, from `tributary
   * serve`): docs only; the server does not validate or act on them.
   */
  eventTypes?: Iterable<DocumentedEventType>;
  /**
   * Loopback and private addresses, ranges or host names that webhooks and hosted processors may call
   * (`--allow-outbound`). Without auth on a loopback bind they may call loopback and private addresses anyway.
   */
  allowOutbound?: string[];
  /**
   * How many schedules and subscriptions a stream and a project may hold, and how often a repeating
   * schedule may fire (`--schedule-quota`, `--subscription-quota`, `--min-schedule-interval`; defaults in
   * builtins/shared/quota.ts): past them a configuration is refused with 403 `quota_exceeded`.
   */
  quotas?: Partial<QuotaSettings>;
  /** The hosted processors' limits per call (CPU, memory, wall time, failures before suspension, logs). */
  sandbox?: Partial<SandboxLimits>;
  /**
   * The file holding the key secrets are encrypted with (created, mode 0600, when missing). Default:
   * `secrets.key` in `dataDir`, beside (not in) the database; in memory for `:memory:`.
   */
  secretsKeyFile?: string;
  /**
   * Tokens and scopes (`--auth`). `false` is an explicit "no auth" (`--no-auth`); left undefined, a server
   * on a non-loopback host refuses to start, so nobody exposes an open server by accident.
   */
  auth?: boolean;
  /** The first admin token (`TRIBUTARY_ADMIN_TOKEN`); without it, one is made and written to `<dataDir>/admin-token`. */
  adminToken?: string;
  /** Web origins allowed to call the API from a browser (`--cors-origin`). */
  corsOrigins?: string[];
  /** Further names a loopback-bound server answers to (its `Host` check allows loopback names only). */
  allowedHosts?: string[];
  /** Requests per token (`--rate-limit`, under `--auth`; default 1000 per second); `false`: none. */
  rateLimit?: RateLimit | false;
  /**
   * On a store several servers share (PostgreSQL): route a contended stream's writes to one server
   * (`--cluster-secret`, `--advertise-url`; docs/scaling.md). `secret` signs the forwarded batches and must
   * be the same on every server; `advertiseUrl` is where the other servers reach this one (default: its URL);
   * `contendedMs`, how long a stream stays routed after another server's commit came between two of this
   * one's (default 2 s).
   */
  cluster?: { secret: string; advertiseUrl?: string; contendedMs?: number };
}

export interface RunningServer {
  url: string;
  port: number;
  parts: ServerParts;
  /** The admin token made on this start (auth on, no token stored yet, no `adminToken` given): print it once. */
  firstAdminToken?: { token: string; file?: string };
  /** With `cluster` on a shared store: how many appends were forwarded to streams' owners, appended here, and handled for others. */
  routing?: () => RoutingCounts;
  close(): Promise<void>;
}

export const defaultLimits: Limits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
  maxReaderBufferBytes: 8 * 1024 * 1024,
  heartbeatMs: 15_000,
  filterScanWindow: 10_000,
  longPollMs: 20_000,
  snapshotEvery: defaultSnapshotEvery,
};

/**
 * Starts a Tributary server: storage, live fan-out, built-in processors and the HTTP API.
 *
 * @example
 * const server = await startServer({ port: 0, dataDir: "./data" });
 * console.log(server.url); // http://127.0.0.1:54321
 * await server.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  applyV8Settings();
  const host = options.host ?? "127.0.0.1";
  if (options.auth === undefined && !isLoopbackHost(host)) {
    throw new Error(
      `Serving on ${host} lets anyone who can reach it read and write every stream: pass --auth (tokens and scopes), or --no-auth to serve it open anyway.`,
    );
  }
  const logger = options.logger ?? createLogger({ level: options.logLevel ?? "info" });
  const limits = { ...defaultLimits, ...options.limits };
  const store = options.store ?? createSqliteStore({ dataDir: options.dataDir ?? "./data", fsync: options.fsync, logger });
  const auth = options.auth ? createAuth(createTokenStore(store), options.now) : undefined;
  const firstAdminToken = await auth?.bootstrap({ adminToken: options.adminToken, dataDir: options.store ? undefined : (options.dataDir ?? "./data") });
  const security = createSecurity({
    host,
    auth,
    corsOrigins: options.corsOrigins,
    allowedHosts: options.allowedHosts,
    rateLimit: options.rateLimit === false ? undefined : (options.rateLimit ?? { requests: 1000, perSeconds: 1 }),
  });
  const allowLocal = !options.auth && isLoopbackHost(host);
  const outbound = createOutboundFetch(createOutboundPolicy({ allowLocal, allow: options.allowOutbound }), {
    mark: security.outboundMark,
  });
  const secretsKeyFile = options.secretsKeyFile ?? (options.dataDir === ":memory:" ? undefined : join(options.dataDir ?? "./data", "secrets.key"));
  const secrets = createSecretVault({ store, keys: loadSecretKeys(secretsKeyFile) });
  const hub = createLiveHub({ heartbeatMs: limits.heartbeatMs, gather: store.announcesPerTurn ? "task" : "turn" });
  const now = options.now ?? Date.now;
  // One append runs one way: route → appender → gate (the built-ins' state) → store → commit feed → live
  // readers and built-in state → built-in side effects → appender. Each part is built before the parts
  // that use it, so none needs a reference to one made later.
  const states = createBuiltinStates({ events: store, builtins: defaultBuiltins, logger, snapshots: { store, every: limits.snapshotEvery } });
  const gate = createBuiltinGate({ states, builtins: defaultBuiltins, marks: store, quotas: options.quotas, logger, now });
  // With a cluster secret on a shared store, a contended stream's appends go to its owner's write queue.
  const router =
    options.cluster && store.cluster
      ? createWriteRouter({ log: store, cluster: store.cluster, secret: options.cluster.secret, logger, contendedMs: options.cluster.contendedMs })
      : undefined;
  const appender = createAppender({ log: router?.log ?? store, gate });
  // The built-ins' side effects (schedules, deliveries, transforms, the breaker's trips) run on one server
  // at a time: the holder of this lease. On SQLite that is always this server. On a shared store every
  // write the built-ins make carries the lease's fence, so a holder that stalled past its lease (and was
  // replaced) cannot write.
  const lease = keepLease({ store, name: "builtins", holder: randomUUID(), ttlMs: options.leaseTtlMs ?? 10_000, logger });
  const fence = () => (store.leasesShared ? lease.fence() : undefined);
  const builtinAppender: Appender = {
    appendAsClient: async (project, path, events) => appender.appendAsClient(project, path, events, fence()),
    appendAsServer: async (project, path, events) => appender.appendAsServer(project, path, events, fence()),
    admitFork: (project, path, events) => appender.admitFork(project, path, events),
  };
  const builtinCursors: CursorStore = {
    getCursor: (project, path, consumer) => store.getCursor(project, path, consumer),
    setCursor: async (project, path, consumer, offset) => store.setCursor(project, path, consumer, offset, fence()),
  };
  const builtins = createBuiltinHost({
    builtins: defaultBuiltins,
    states,
    appender: builtinAppender,
    ports: { events: store, cursors: builtinCursors, marks: store, secrets: store },
    holdsLease: lease.valid,
    settings: { circuitBreaker: options.circuitBreaker, outbound, secrets, sandbox: options.sandbox },
    logger,
    now,
  });
  // Byte streams of the Durable Streams face live in shadow projects that no built-in serves. Each listener
  // says which streams it wants, so a server on a shared store follows other servers' commits only for
  // its live readers and the built-in state it holds, or for every stream while it holds the lease.
  const unsubscribe = [
    store.onCommit(hub.publish, hub.wants),
    store.onCommit(
      (batch) => states.onCommit(batch),
      (project, path) => !isShadowProject(project) && (!store.leasesShared || lease.holds() || states.holds(project, path)),
    ),
  ];
  lease.start({ onAcquired: () => builtins.activate(), onLost: () => void builtins.deactivate() });
  const eventTypes = new Map([...(options.eventTypes ?? [])].map((type) => [type.type, type]));
  const parts: ServerParts = {
    store,
    hub,
    appender,
    builtins,
    logger,
    limits,
    security,
    eventTypes,
    secrets,
    runsBuiltins: lease.valid,
    ...(router ? { routing: router.counts } : {}),
  };
  const app = createApp(parts);

  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, port: options.port ?? 4000, hostname: host }, () => resolve(created as Server));
    created.once("error", reject);
  });
  server.keepAliveTimeout = 65_000;
  answerClientErrors(server, logger);
  // Other servers' links (an HTTP upgrade signed with the cluster secret), beside the API.
  router?.attach(server);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  await router?.start(options.cluster?.advertiseUrl ?? url);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    parts,
    ...(firstAdminToken ? { firstAdminToken } : {}),
    ...(router ? { routing: router.counts } : {}),
    close() {
      closing ??= (async () => {
        await router?.close();
        hub.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await builtins.close();
        await states.close();
        await outbound.close();
        await lease.stop();
        for (const stop of unsubscribe) stop();
        await store.close();
      })();
      return closing;
    },
  };
}
