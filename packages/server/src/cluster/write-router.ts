import { randomUUID } from "node:crypto";
import { request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import { TributaryError, type ErrorCode, type StoredEvent } from "@tributary/protocol";
import type { Logger } from "../logger.ts";
import type { ClusterMember, ClusterPort } from "../store/cluster-store.ts";
import type { AppendRequest, AppendResult, EventLog } from "../store/event-log.ts";
import { readFrames, writeFrame } from "./frames.ts";
import { markedNamespaces } from "../store/mark-store.ts";
import { ownerOf } from "./rendezvous.ts";
import { signForward, verifyForward } from "./signature.ts";
import { watchCpuQuota } from "./cpu-quota.ts";

/** Where a server opens its link to another (an HTTP upgrade to `linkProtocol`). */
export const forwardPath = "/internal/cluster/link";
const linkProtocol = "tributary-cluster";

const heartbeatMs = 1000;
/** A member not seen for this long is not routed to (three missed heartbeats). */
const liveMs = 3000;
/** A stream is routed while another server's commit came between two of this server's within this long (default). */
const defaultContendedMs = 2000;
/** How long a forwarded batch may go unanswered; after it, its appends fail with 503 (they may have been stored). */
const forwardTimeoutMs = 5000;
/** After an owner failed to answer or refused a batch, it is not routed to for this long. */
const suspectMs = 3000;
/** A frame of forwarded appends stops growing past this many bytes of JSON. */
const maxFrameBytes = 16 * 1024 * 1024;
/** Frames sent on a link and not answered yet, at most; the appends arriving meanwhile wait and go together. */
const maxFramesInFlight = 4;
/** After an owner answered that it is at its CPU quota, this server appends its streams directly for this long. */
const busyBackoffMs = 2000;

type WireResult =
  | { events: { json: string; replayed: boolean }[]; createdPaths: string[] }
  | { error: { code: string; message: string; details?: Record<string, unknown> } }
  | { refused: true };

/**
 * The namespaces of the built-ins' own event types (stream/paused, circuit-breaker/configured,
 * schedule/configured, …): appends holding one are never forwarded, so this server's gates have them in
 * their committed state as soon as they are answered (a forwarded append reaches it by the commit tailer).
 */
const gatedNamespaces = new Set<string>(["stream", "circuit-breaker", ...markedNamespaces]);
const gatedType = (type: string) => {
  const slash = type.indexOf("/");
  return slash > 0 && gatedNamespaces.has(type.slice(0, slash));
};

/** What `/api/health` reports as `routing`: live members, appends sent each way, batches sent and handled. */
export interface RoutingCounts {
  members: number;
  direct: number;
  forwarded: number;
  forwardBatches: number;
  handledBatches: number;
  handledAppends: number;
  refused: number;
  /** Forwarded batches an owner answered while at its CPU quota (each sends that owner's streams direct for 2 s). */
  busyAnswers: number;
}

interface StreamState {
  /** The last offset of this server's last append to it (as answered), to notice another server's commit between two. */
  last: number | undefined;
  contendedUntil: number;
  /** "direct" or the owner's id: how the appends in flight were sent. */
  mode: string;
  inFlight: number;
  tail: Promise<unknown>;
  /** While the mode changed with appends in flight: later appends wait for those to settle, so commits keep call order. */
  barrier: Promise<void> | undefined;
}

interface ForwardJob {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** This server's link to one owner: frames of forwarded appends out, their answers back, in order. */
interface Link {
  member: ClusterMember;
  state: "connecting" | "open" | "closed";
  socket: Socket | undefined;
  /** Appends waiting for the link to open or for a frame to be sent. */
  pending: ForwardJob[];
  inFlight: Map<number, { jobs: ForwardJob[]; timer: NodeJS.Timeout }>;
  nextId: number;
  scheduled: boolean;
}

/**
 * Routes a contended stream's writes to one server, so that its appends share one server's batch and one
 * WAL flush instead of queueing on the stream's row lock a batch per server (docs/scaling.md).
 *
 * 1. Membership: every server upserts its row (`tributary_servers`: id, internal URL, seen_at) every second
 *    and reads the live ones (seen within 3 s) in the same statement.
 * 2. A stream's owner is the live member with the highest hash of (member, project, path) (rendezvous.ts).
 * 3. A stream is routed only while it is contended: another server's commit landed between two of this
 *    server's appends to it within the last 2 s (seen from the offsets this server's appends got). A stream
 *    written through one server only, as each of 32 streams in the bench, is never forwarded.
 * 4. A non-owner keeps one link to each owner: an HTTP upgrade on the owner's port, signed with the
 *    cluster secret (HMAC-SHA256 over time and sender), then length-prefixed JSON frames both ways. It
 *    gathers its appends for the owner (after its own gate, as before) and sends each turn's as one frame
 *    (at most 4 unanswered); the owner hands each frame's appends to its own write queue in order, where
 *    they share its batch, and answers each with its stored events. One connection keeps the frames in
 *    order, so the owner's queue gets them in the forwarder's call order. The forwarder's live readers and
 *    built-in state get the events by its commit tailer, as another server's commits (handing them on from
 *    the answer instead cost a read of the gap before nearly every one: the owner's batch interleaves
 *    every server's appends). Appends holding a built-in's event type (`gatedNamespaces`) are never
 *    forwarded, so a pause or a configuration is in this server's gate state when it is answered.
 * 5. Correctness stays in the database: offsets, idempotency keys, preconditions are checked by the owner's
 *    store with the same statements. Writes made under a lease (`fence`) are never forwarded. An owner that
 *    refuses (not the owner by its own view, shutting down, bad signature) or cannot be reached appends
 *    nothing, and the forwarder appends directly; a frame sent and not answered (the owner died, or stalled
 *    for 5 s) may have been stored, so its appends fail with 503 `storage_unavailable`, as an append
 *    whose database connection dropped after COMMIT does (retry with the same idempotencyKey). Either way
 *    the owner is not routed to for 3 s, and once its row is stale, its streams have a new owner.
 * 6. Per stream, when appends switch between direct and forwarded (or to another owner) while some are in
 *    flight, the next ones wait for those, so this server's commits to a stream keep call order.
 * 7. An owner at its CPU quota (cpu-quota.ts: a cgroup limit that throttles it) says so on its answers, and
 *    a forwarder that hears it appends that owner's streams directly for 2 s, then tries again. Routing
 *    saves the database work (one batch, one flush for every server's appends) at the cost of the owner's
 *    CPU; where the owner's CPU is the limit, three servers each appending directly do more than one owner
 *    doing it for all (docs/scaling.md, "Routing against no routing"). Without a quota it never backs off.
 *
 * @example
 * const router = createWriteRouter({ log: store, cluster: store.cluster!, secret, logger });
 * const appender = createAppender({ log: router.log, gate });
 * await router.start("http://10.0.0.5:4000");
 */
export function createWriteRouter(options: { log: EventLog; cluster: ClusterPort; secret: string; logger: Logger; contendedMs?: number }) {
  const { log, cluster, secret, logger } = options;
  const contendedMs = options.contendedMs ?? defaultContendedMs;
  /** Whether this server is at its CPU quota: its cgroup's throttling counters (cpu-quota.ts). */
  const quota = watchCpuQuota();
  /** Owners that answered at their CPU quota, until when this server appends their streams directly. */
  const busyOwners = new Map<string, number>();
  const self: ClusterMember = { id: randomUUID(), url: "" };
  let members: ClusterMember[] = [self];
  const suspects = new Map<string, number>();
  const streams = new Map<string, StreamState>();
  const links = new Map<string, Link>();
  const accepted = new Set<Socket>();
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;
  let closing = false;
  let handling = 0;
  let handled: (() => void) | undefined;
  const counts = { direct: 0, forwarded: 0, forwardBatches: 0, handledBatches: 0, handledAppends: 0, refused: 0, busyAnswers: 0 };

  async function beat(): Promise<void> {
    try {
      const live = await cluster.heartbeat(self, liveMs);
      members = live.sort((a, b) => (a.id < b.id ? -1 : 1));
    } catch (error) {
      // The database is away: appends fail with it anyway; nothing is routed meanwhile.
      members = [self];
      logger.debug("the cluster heartbeat failed", { error: String(error) });
    }
  }

  function stateOf(key: string): StreamState {
    let state = streams.get(key);
    if (!state) {
      if (streams.size >= 100_000) streams.clear();
      state = { last: undefined, contendedUntil: 0, mode: "direct", inFlight: 0, tail: Promise.resolve(), barrier: undefined };
      streams.set(key, state);
    }
    return state;
  }

  /** Notes the offsets an append of this server's got: a gap before them is another server's commit. */
  function observe(state: StreamState, result: AppendResult): void {
    let first: number | undefined;
    let last: number | undefined;
    for (const appended of result.events) {
      if (appended.replayed) continue;
      first ??= appended.event.offset;
      last = appended.event.offset;
    }
    if (first === undefined || last === undefined) return;
    if (state.last !== undefined && first !== state.last + 1) state.contendedUntil = performance.now() + contendedMs;
    state.last = last;
  }

  function routeOf(request: AppendRequest, state: StreamState, key: string): ClusterMember | undefined {
    if (request.fence || members.length < 2 || performance.now() >= state.contendedUntil) return undefined;
    if (request.events.some((event) => gatedType(event.type))) return undefined;
    const owner = ownerOf(members, key);
    if (owner.id === self.id) return undefined;
    const suspect = suspects.get(owner.id);
    if (suspect !== undefined) {
      if (performance.now() < suspect) return undefined;
      suspects.delete(owner.id);
    }
    const busy = busyOwners.get(owner.id);
    if (busy !== undefined) {
      if (performance.now() < busy) return undefined;
      busyOwners.delete(owner.id);
    }
    return owner;
  }

  function suspect(member: ClusterMember): void {
    suspects.set(member.id, performance.now() + suspectMs);
  }

  function forward(member: ClusterMember, request: AppendRequest): Promise<AppendResult> {
    let link = links.get(member.id);
    if (!link || link.member.url !== member.url || link.state === "closed") {
      link = openLink(member);
      links.set(member.id, link);
    }
    const target = link;
    return new Promise<AppendResult>((resolve, reject) => {
      target.pending.push({ request, resolve, reject });
      schedule(target);
    });
  }

  /** Opens a link to `member`: an HTTP upgrade on its port, signed with the cluster secret, then frames both ways. */
  function openLink(member: ClusterMember): Link {
    const link: Link = { member, state: "connecting", socket: undefined, pending: [], inFlight: new Map(), nextId: 1, scheduled: false };
    const time = String(Date.now());
    const target = new URL(member.url);
    const request = httpRequest({
      host: target.hostname.replace(/^\[|\]$/g, ""),
      port: target.port || 80,
      path: forwardPath,
      method: "GET",
      headers: {
        connection: "Upgrade",
        upgrade: linkProtocol,
        "x-tributary-cluster-from": self.id,
        "x-tributary-cluster-time": time,
        "x-tributary-cluster-signature": signForward(secret, time, self.id),
      },
      timeout: forwardTimeoutMs,
    });
    // Nothing was sent on a link that never opened: its appends go directly.
    const refuse = (why: string) => {
      if (link.state !== "connecting") return;
      link.state = "closed";
      suspect(member);
      logger.debug("no link to the stream's owner; appending directly", { owner: member.url, why });
      direct(link.pending.splice(0));
    };
    request.on("upgrade", (_response, socket, head) => {
      if (link.state !== "connecting") return void socket.destroy();
      // The request's timeout was for opening the link; an open link may idle.
      request.removeAllListeners("timeout");
      socket.setTimeout(0);
      socket.setNoDelay(true);
      link.socket = socket;
      link.state = "open";
      readFrames(socket, head, (frame) => answered(link, frame as { id: number; results: WireResult[]; busy?: boolean }));
      socket.on("error", () => undefined);
      socket.on("close", () => lost(link));
      schedule(link);
    });
    request.on("response", (response) => {
      response.resume();
      if (response.statusCode === 401) logger.warn("the stream's owner refused this server's link: the servers' cluster secrets differ", { owner: member.url });
      refuse(`answered ${response.statusCode}`);
    });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", (error) => refuse(String(error)));
    request.end();
    return link;
  }

  /** The link closed: what it had sent and not had answered may have been stored (503); what it had not sent goes directly. */
  function lost(link: Link): void {
    if (link.state === "closed") return;
    link.state = "closed";
    if (links.get(link.member.id) === link) links.delete(link.member.id);
    if (link.inFlight.size > 0) {
      suspect(link.member);
      logger.warn("the link to a stream's owner closed with forwarded appends unanswered; they fail with 503", { owner: link.member.url });
    }
    for (const { jobs, timer } of link.inFlight.values()) {
      clearTimeout(timer);
      for (const job of jobs) job.reject(unanswered());
    }
    link.inFlight.clear();
    direct(link.pending.splice(0));
  }

  function schedule(link: Link): void {
    if (link.state !== "open" || link.scheduled || link.pending.length === 0 || link.inFlight.size >= maxFramesInFlight) return;
    link.scheduled = true;
    // The appends of one turn go in one frame.
    setImmediate(() => {
      link.scheduled = false;
      send(link);
    });
  }

  function send(link: Link): void {
    if (link.state !== "open" || link.pending.length === 0) return;
    const parts: string[] = [];
    let bytes = 0;
    let taken = 0;
    while (taken < link.pending.length && (taken === 0 || bytes < maxFrameBytes)) {
      const { request } = link.pending[taken]!;
      const part = JSON.stringify({ project: request.project, path: request.path, events: request.events });
      parts.push(part);
      bytes += part.length;
      taken += 1;
    }
    const jobs = link.pending.splice(0, taken);
    const id = link.nextId++;
    counts.forwardBatches += 1;
    // Unanswered for too long (the owner stalled): the link is dropped and its unanswered appends fail with 503.
    const timer = setTimeout(() => link.socket?.destroy(), forwardTimeoutMs);
    link.inFlight.set(id, { jobs, timer });
    writeFrame(link.socket!, `{"id":${id},"requests":[${parts.join(",")}]}`);
    schedule(link);
  }

  function answered(link: Link, frame: { id: number; results: WireResult[]; busy?: boolean }): void {
    const sent = link.inFlight.get(frame?.id);
    if (!sent || !Array.isArray(frame.results) || frame.results.length !== sent.jobs.length) return void link.socket?.destroy();
    link.inFlight.delete(frame.id);
    clearTimeout(sent.timer);
    if (frame.busy === true) {
      counts.busyAnswers += 1;
      if (!busyOwners.has(link.member.id))
        logger.debug("the stream's owner is at its CPU quota; appending its streams directly for a while", { owner: link.member.url });
      busyOwners.set(link.member.id, performance.now() + busyBackoffMs);
    }
    schedule(link);
    const results = frame.results;
    for (const [index, job] of sent.jobs.entries()) {
      const result = results[index]!;
      if ("refused" in result) {
        counts.refused += 1;
        direct([job]);
        continue;
      }
      if ("error" in result) {
        job.reject(new TributaryError(result.error.code as ErrorCode, result.error.message, result.error.details ?? {}));
        continue;
      }
      const appended = result.events.map(({ json, replayed }) => ({ event: JSON.parse(json) as StoredEvent, json, replayed }));
      // This server's commit feed takes these from here instead of reading them again (the owner committed them).
      cluster.heard(
        job.request.project,
        job.request.path,
        appended.filter((item) => !item.replayed),
      );
      job.resolve({ events: appended, createdPaths: result.createdPaths as AppendResult["createdPaths"] });
    }
  }

  function direct(jobs: ForwardJob[]): void {
    for (const job of jobs) log.append(job.request).then(job.resolve, job.reject);
  }

  function unanswered(): TributaryError {
    return new TributaryError(
      "storage_unavailable",
      "The server this stream's writes are routed to did not answer; the append may or may not have been stored: retry it with the same idempotencyKey.",
      { retryAfterSeconds: 1 },
    );
  }

  function append(request: AppendRequest): Promise<AppendResult> {
    const key = `${request.project}\u0000${request.path}`;
    const state = stateOf(key);
    const owner = routeOf(request, state, key);
    const mode = owner?.id ?? "direct";
    if (state.inFlight > 0 && state.mode !== mode) {
      const tail = state.tail;
      state.barrier = tail.then(
        () => undefined,
        () => undefined,
      );
    }
    state.mode = mode;
    if (owner) counts.forwarded += 1;
    else counts.direct += 1;
    const run = () => (owner ? forward(owner, request) : log.append(request));
    const barrier = state.barrier;
    const result = barrier !== undefined ? barrier.then(run) : run();
    state.tail = result;
    state.inFlight += 1;
    result.then(
      (value) => {
        observe(state, value);
        settle(state);
      },
      () => settle(state),
    );
    return result;
  }

  function settle(state: StreamState): void {
    state.inFlight -= 1;
    if (state.inFlight === 0) state.barrier = undefined;
  }

  /** The owner's side: another server's link (an HTTP upgrade on this server's port), checked against the cluster secret. */
  function accept(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const refuse = (status: number, reason: string, message: string) => {
      const body = JSON.stringify({ code: status === 401 ? "unauthorized" : status === 503 ? "storage_unavailable" : "not_found", message, status });
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    if (request.url !== forwardPath) {
      refuse(404, "Not Found", "A cluster link is opened at /internal/cluster/link.");
      return;
    }
    if (closing) {
      refuse(503, "Service Unavailable", "This server is shutting down.");
      return;
    }
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === "string" ? value : null;
    };
    const from = header("x-tributary-cluster-from");
    if (from === null || !verifyForward(secret, header("x-tributary-cluster-time"), header("x-tributary-cluster-signature"), from, Date.now())) {
      refuse(401, "Unauthorized", "A cluster link needs a valid signature with this cluster's secret (--cluster-secret).");
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: ${linkProtocol}\r\nconnection: Upgrade\r\n\r\n`);
    socket.setNoDelay(true);
    accepted.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => accepted.delete(socket));
    readFrames(socket, head, (frame) => void appendFrame(socket, frame as { id?: unknown; requests?: unknown }));
  }

  /** One forwarded batch: handed to this server's write queue in order, all in this turn, so they share its next batch. */
  async function appendFrame(socket: Socket, frame: { id?: unknown; requests?: unknown }): Promise<void> {
    const requests = frame?.requests;
    const valid =
      typeof frame?.id === "number" &&
      Array.isArray(requests) &&
      requests.every((item: Partial<AppendRequest> | null) => typeof item?.project === "string" && typeof item.path === "string" && Array.isArray(item.events));
    if (!valid) return void socket.destroy();
    handling += 1;
    counts.handledBatches += 1;
    counts.handledAppends += requests.length;
    try {
      const settled = await Promise.allSettled(
        (requests as AppendRequest[]).map((item) =>
          !closing && ownerOf(members, `${item.project}\u0000${item.path}`).id === self.id
            ? log.append({ project: item.project, path: item.path, events: item.events })
            : Promise.resolve(undefined),
        ),
      );
      const results: WireResult[] = settled.map((outcome) => {
        if (outcome.status === "rejected") {
          const error = outcome.reason;
          if (error instanceof TributaryError) return { error: { code: error.code, message: error.message, details: error.details } };
          logger.error("a forwarded append failed", { error: String(error) });
          return { error: { code: "internal_error", message: "The append failed on the server that owns the stream." } };
        }
        if (outcome.value === undefined) return { refused: true };
        return { events: outcome.value.events.map(({ json, replayed }) => ({ json, replayed })), createdPaths: outcome.value.createdPaths };
      });
      if (!socket.destroyed) writeFrame(socket, JSON.stringify(quota.saturated() ? { id: frame.id, results, busy: true } : { id: frame.id, results }));
    } finally {
      handling -= 1;
      if (handling === 0) handled?.();
    }
  }

  return {
    /** The event log the appender writes through: the store's, with contended streams' appends routed. */
    log: { append, commitsInCallOrder: log.commitsInCallOrder } satisfies Pick<EventLog, "append" | "commitsInCallOrder">,
    /** Serves other servers' links on this server's HTTP port. */
    attach(server: Server): void {
      // Only a cluster link is an upgrade here; any other request asking for one (`Upgrade: h2c`, say) is
      // answered as a plain request, as without routing.
      // (Node 24's option; its type is not in @types/node yet.)
      (server as Server & { shouldUpgradeCallback: (request: IncomingMessage) => boolean }).shouldUpgradeCallback = (request) =>
        request.headers.upgrade === linkProtocol;
      server.on("upgrade", accept);
    },
    /** How many appends went which way, and forwarded batches sent and handled, since the start. */
    counts: (): RoutingCounts => ({ ...counts, members: members.length }),
    /** Joins the membership as reachable at `url` (this server's internal URL) and keeps the row fresh. */
    async start(url: string): Promise<void> {
      self.url = url;
      await beat();
      timer = setInterval(() => {
        beating ??= beat().finally(() => (beating = undefined));
      }, heartbeatMs);
      timer.unref();
    },
    /** Leaves the membership and refuses further forwarded batches, once the ones being appended are answered. */
    async close(): Promise<void> {
      closing = true;
      quota.close();
      if (timer) clearInterval(timer);
      await beating;
      await cluster.leave(self.id).catch(() => undefined);
      if (handling > 0) await new Promise<void>((resolve) => (handled = resolve));
      for (const socket of accepted) socket.end();
      for (const link of links.values()) link.socket?.end();
    },
  };
}
