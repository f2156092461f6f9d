import { createHash } from "node:crypto";
import { eventInputSchema, describeIssues, resolveStreamPath, TributaryError, type Provenance, type StoredEvent, type StreamPath } from "@tributary/protocol";
import { checkBuiltin } from "../../append/parse-append-body.ts";
import type { Sandbox, SandboxedProcessor } from "../../sandbox/sandbox.ts";
import type { CallResult } from "../../sandbox/sandbox-protocol.ts";
import type { PreparedEvent } from "../../store/stream-store.ts";
import type { BuiltinPorts } from "../builtin-processor.ts";

/** The ports a hosted processor uses. */
export type HostedPorts = Pick<BuiltinPorts, "appender" | "events" | "cursors" | "marks" | "secrets" | "logger" | "reportError">;
import { isDiagnosticFor, type Deployment } from "./hosted-state.ts";

const pageSize = 500;
const maxMessage = 2000;
const maxFields = 4096;
const maxEventBytes = 1024 * 1024;
/** Events read at a time while following, and handed over by wakes at most before a read of the store. */
const followPage = 100;
const maxHanded = 1000;
/** While following without a pause, the cursor is written at least every this many events or milliseconds. */
const cursorEvery = 100;
const cursorMs = 100;
/** Calls sent to the sandbox ahead of their turn, at most (see `live`'s loop). */
const maxInFlight = 8;

interface CallRecord {
  cause: StoredEvent | undefined;
  appends: number;
  fetches: number;
}
/** What a hosted processor's append takes. Built once: zod's `omit` builds a new schema, ~140 µs each time. */
const appendInputSchema = eventInputSchema.omit({ offset: true });

export type RunnerStatus = "loading" | "running" | "stopped";

/**
 * Runs one deployed processor on its stream, in the sandbox, from a persisted cursor (consumer
 * `processor:<slug>`):
 *
 * 1. Loads the module in a fresh isolate, restores the latest snapshot of its state (if there is one of
 *    this deployment), reduces the history after it up to the cursor without side effects, calls `onCaughtUp`, appends `processor/started`, then for every later event reduces it and runs
 *    `afterAppend`, saving the cursor when no event waits (see `unsaved`). After a restart it resumes after
 *    the last saved event (at least once; appends carry idempotency keys made of the slug, the
 *    deployment and the cause, so a repeated call stores nothing twice).
 * 2. It never handles the events the server appends about it (its errors, logs, start).
 * 3. A failed call (a throw, or a CPU, memory or wall-time limit) appends `stream/error-occurred` naming
 *    the slug, the offset and the limit; an isolate stopped at a limit is loaded anew (state rebuilt from
 *    the history). A call lost with the sandbox process (`crashed`, `restarted`) is made again after the
 *    reload: the cursor stays before its event. After `maxFailures` failures in a row the processor is suspended with
 *    `processor/suspended`, and stays so until it is deployed again.
 * 4. Every `snapshotEvery` events it appends `processor/snapshotted` with its state, so a restart or a
 *    reload reduces only the events after the latest one.
 * 5. `append` reaches this stream and its descendants only, through the built-in gates (a paused stream
 *    refuses it); `fetch` goes through the outbound policy; `logger` calls become `processor/logged`
 *    events, bounded and rate-limited.
 */
export function createHostedRunner(options: {
  services: HostedPorts;
  sandbox: Sandbox;
  fetch: (project: string, request: unknown) => Promise<unknown>;
  project: string;
  path: StreamPath;
  config: () => Deployment;
}) {
  const { services, sandbox, project, path } = options;
  const limits = sandbox.limits;
  const deployment = options.config();
  const { slug } = deployment;
  const consumer = `processor:${slug}`;
  const log = services.logger.child({ hosted: slug, project, path });
  let stopped = false;
  let woken = false;
  let release: (() => void) | undefined;
  let status: RunnerStatus = "loading";
  let position = deployment.startAfter;
  let failures = 0;
  let current: SandboxedProcessor | undefined;
  /**
   * The calls made and not handled yet, by tag: each one's cause (for provenance and idempotency keys) and
   * how many appends and fetches it made. A request from a call no longer here counts on a throwaway.
   */
  const calls = new Map<number, CallRecord>();
  let nextTag = 0;
  const callOf = (tag: number | undefined): CallRecord => (tag === undefined ? undefined : calls.get(tag)) ?? { cause: undefined, appends: 0, fetches: 0 };
  const startCall = (cause: StoredEvent | undefined): number => {
    const tag = ++nextTag;
    calls.set(tag, { cause, appends: 0, fetches: 0 });
    return tag;
  };
  /** The server's own events about the processor (started, suspended) are the hosted built-in's, caused by the deployment. */
  const runnerProvenance: Provenance = { kind: "processor", slug: "hosted-processors", causedBy: { streamPath: path, offset: deployment.configuredOffset } };
  const logBucket = { tokens: limits.logsPerSecond, at: Date.now(), dropped: 0 };

  /**
   * The events that woke the runner, in offset order (the built-in's `afterAppend` hands each over), so
   * following needs no read of the store: used while they continue the cursor without a gap. `unheard`:
   * events may exist that were not handed over (at the start, after a wake without an event, after a full
   * page, or when too many piled up): the next step reads the store.
   */
  const handed: StoredEvent[] = [];
  let unheard = true;
  const takeHanded = (after: number): { offset: number; json: string; event: StoredEvent }[] | undefined => {
    let start = 0;
    while (start < handed.length && handed[start]!.offset <= after) start++;
    handed.splice(0, start);
    if (unheard || handed[0]?.offset !== after + 1) return undefined;
    let end = 1;
    while (end < handed.length && end < followPage && handed[end]!.offset === after + end + 1) end++;
    return handed.splice(0, end).map((event) => ({ offset: event.offset, json: JSON.stringify(event), event }));
  };

  const nextWake = () =>
    woken || stopped
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          release = resolve;
        });

  async function append(request: { event: unknown; path?: unknown }, causeOffset: number | undefined, tag: number | undefined): Promise<StoredEvent> {
    if (stopped) throw new Error("the processor was stopped");
    const call = callOf(tag);
    const target = resolveStreamPath(path, typeof request.path === "string" ? request.path : undefined);
    if (target !== path && !target.startsWith(path === "/" ? "/" : `${path}/`)) {
      throw new Error(`a hosted processor appends only to its own stream (${path}) and its descendants, not ${target}`);
    }
    const parsed = appendInputSchema.safeParse(request.event);
    if (!parsed.success) throw new Error(`append: not an event input: ${describeIssues(parsed.error)}`);
    const cause = call.cause && call.cause.offset === causeOffset ? call.cause : undefined;
    const metadata: Record<string, unknown> = { processor: slug, ...parsed.data.metadata };
    if (cause && metadata.causedBy === undefined) metadata.causedBy = { path: cause.streamPath, offset: cause.offset };
    const appendedBy: Provenance = { kind: "processor", slug, ...(cause ? { causedBy: { streamPath: cause.streamPath, offset: cause.offset } } : {}) };
    const event: PreparedEvent = { type: parsed.data.type, payload: parsed.data.payload ?? {}, metadata, appendedBy };
    const key = parsed.data.idempotencyKey ?? (cause ? `${consumer}:${deployment.configuredOffset}:${cause.offset}:${call.appends}` : undefined);
    call.appends += 1;
    if (key) event.idempotencyKey = key.length <= 512 ? key : `sha256:${createHash("sha256").update(key).digest("hex")}`;
    try {
      checkBuiltin(event);
    } catch (error) {
      if (error instanceof TributaryError) throw new Error(`append: ${error.message}`);
      throw error;
    }
    const size = Buffer.byteLength(JSON.stringify(event));
    if (size > maxEventBytes) throw new Error(`append: the event is ${size} bytes; the limit is ${maxEventBytes}`);
    try {
      const [stored] = (await services.appender.appendAsClient(project, target, [event])).events.map((appended) => appended.event);
      return stored!;
    } catch (error) {
      if (error instanceof TributaryError) throw new Error(`append to ${target}: ${error.message}`);
      throw error;
    }
  }

  async function fetch(request: unknown, tag: number | undefined): Promise<unknown> {
    if (stopped) throw new Error("the processor was stopped");
    const call = callOf(tag);
    call.fetches += 1;
    if (call.fetches > limits.fetchesPerCall) throw new Error(`fetch: at most ${limits.fetchesPerCall} fetches per call`);
    return options.fetch(project, request);
  }

  function logged(level: string, message: string, fields: string | undefined, cause: number | undefined): void {
    if (stopped) return;
    const now = Date.now();
    logBucket.tokens = Math.min(limits.logsPerSecond, logBucket.tokens + ((now - logBucket.at) / 1000) * limits.logsPerSecond);
    logBucket.at = now;
    if (logBucket.tokens < 1) {
      logBucket.dropped += 1;
      return;
    }
    logBucket.tokens -= 1;
    const payload: Record<string, unknown> = {
      slug,
      level: ["debug", "info", "warn", "error"].includes(level) ? level : "info",
      message: message.length > maxMessage ? `${message.slice(0, maxMessage)}…` : message,
    };
    if (fields !== undefined) {
      try {
        const parsed = JSON.parse(fields) as unknown;
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
          payload.fields = fields.length > maxFields ? { truncated: `${fields.slice(0, 200)}…` } : parsed;
        }
      } catch {
        // Not JSON: leave the fields out.
      }
    }
    if (cause !== undefined) payload.offset = cause;
    if (logBucket.dropped > 0) payload.dropped = logBucket.dropped;
    logBucket.dropped = 0;
    void services.appender
      .appendAsServer(project, path, [{ type: "processor/logged", payload, appendedBy: { kind: "processor", slug } }])
      .catch((error) => log.warn("could not record a log line", { error: String(error) }));
  }

  async function fail(result: CallResult & { ok: false }, what: string, offset: number | undefined): Promise<"suspended" | "failed"> {
    // A new sandbox process (another processor would not stop): not this one's fault, just load it again.
    if (result.kind === "restarted") return "failed";
    failures += 1;
    const limit = result.kind === "cpu" || result.kind === "memory" || result.kind === "wall" ? result.kind : undefined;
    const message = `hosted processor ${slug}: ${what}${offset === undefined ? "" : ` of offset ${offset}`} failed: ${result.message}`;
    const payload: { message: string; processor: string; [field: string]: unknown } = { message, processor: slug, slug, kind: result.kind };
    if (offset !== undefined) payload.offset = offset;
    if (limit) payload.limit = limit === "cpu" ? { cpuMs: limits.cpuMs } : limit === "memory" ? { memoryMb: limits.memoryMb } : { wallMs: limits.wallMs };
    await services.reportError(project, path, payload);
    if (failures >= limits.maxFailures || result.kind === "load") {
      const reason =
        result.kind === "load" ? `the module could not be loaded: ${result.message}` : `${failures} calls in a row failed; the last: ${result.message}`;
      await services.appender
        .appendAsServer(project, path, [{ type: "processor/suspended", payload: { slug, reason, failures }, appendedBy: runnerProvenance }])
        .catch((error) => {
          log.error("could not record a suspension", { error: String(error) });
        });
      return "suspended";
    }
    return "failed";
  }

  const broken = (result: CallResult) => !result.ok && result.kind !== "threw";

  /** The latest snapshot of this deployment: written by this runner, or folded from the stream. */
  let snapshot = deployment.snapshot;
  /** The offset of the last event the latest snapshot (or the attempt at one) covered. */
  let snapshotted = 0;
  const latestSnapshot = () => {
    const folded = options.config().snapshot;
    return folded && (!snapshot || folded.offset > snapshot.offset) ? folded : snapshot;
  };

  /** Restores the latest snapshot at or before `cursor` into the isolate; the offset it covers, or undefined for none. */
  async function restoreSnapshot(processor: SandboxedProcessor, cursor: number): Promise<number | undefined> {
    const known = latestSnapshot();
    if (!known || known.offset > cursor) return undefined;
    const [record] = await services.events.read(project, path, { afterOffset: known.at - 1, limit: 1 });
    const event = record ? (JSON.parse(record.json) as StoredEvent) : undefined;
    if (event?.type !== "processor/snapshotted" || event.payload.slug !== slug || event.payload.deployedOffset !== deployment.configuredOffset)
      return undefined;
    const result = await processor.restore(JSON.stringify(event.payload.state ?? null));
    if (!result.ok) {
      log.warn("could not restore a snapshot; reducing the history instead", { at: known.at, error: result.message });
      return undefined;
    }
    return known.offset;
  }

  /**
   * Appends `processor/snapshotted` with the state after `offset`. A state whose JSON does not fit in an
   * event is not snapshotted (logged); a failure here costs only a longer catch-up later.
   */
  async function takeSnapshot(processor: SandboxedProcessor, offset: number): Promise<void> {
    snapshotted = offset;
    const result = await processor.state();
    if (!result.ok || result.value === undefined) return;
    const bytes = Buffer.byteLength(result.value);
    if (bytes > maxEventBytes - 4096) {
      log.warn("the state is too large to snapshot; a restart reduces the whole history", { bytes });
      return;
    }
    const payload = { slug, deployedOffset: deployment.configuredOffset, offset, state: JSON.parse(result.value) as unknown };
    try {
      const [stored] = await services.appender.appendAsServer(project, path, [{ type: "processor/snapshotted", payload, appendedBy: runnerProvenance }]);
      snapshot = { offset, at: stored!.offset };
    } catch (error) {
      log.warn("could not record a snapshot", { error: String(error) });
    }
  }

  /** One life of the isolate: load, catch up, follow. Resolves "reload" when the isolate must be loaded anew. */
  async function live(): Promise<"reload" | "stop"> {
    status = "loading";
    const loaded = await sandbox.load(deployment.script, { append, fetch, log: logged });
    if (stopped) {
      if (loaded.ok) loaded.processor.dispose();
      return "stop";
    }
    if (!loaded.ok) return (await fail(loaded.result, "loading the module", deployment.configuredOffset)) === "suspended" ? "stop" : "reload";
    const processor = (current = loaded.processor);
    /**
     * The cursor handled up to and not written yet. While events keep coming it is written every
     * `cursorEvery` events or `cursorMs`, and always before the runner waits for the next event, reports a
     * failure or takes a snapshot (and, if it can, when it stops): not between an event and the next, where
     * the write held up the next event's call (the pong's own call, then the next ping's).
     */
    let unsaved: { offset: number; count: number; since: number } | undefined;
    const saveCursor = async () => {
      if (!unsaved) return;
      const { offset } = unsaved;
      unsaved = undefined;
      await services.cursors.setCursor(project, path, consumer, offset);
    };
    try {
      let cursor = Math.max((await services.cursors.getCursor(project, path, consumer)) ?? 0, deployment.startAfter);
      const restored = await restoreSnapshot(processor, cursor);
      snapshotted = Math.max(snapshotted, restored ?? 0);
      let reduced = 0;
      for (let after = restored ?? 0; after < cursor;) {
        const records = await services.events.read(project, path, { afterOffset: after, limit: Math.min(pageSize, cursor - after) });
        if (stopped) return "stop";
        if (records.length === 0) break;
        const result = await processor.reduce(records.map((record) => record.json));
        reduced += records.length;
        if (!result.ok) {
          const offset = records[result.index ?? 0]?.offset;
          if ((await fail(result, "reduce", offset)) === "suspended") return "stop";
          if (broken(result)) return "reload";
        }
        after = records.at(-1)!.offset;
      }
      if (cursor - snapshotted >= limits.snapshotEvery) await takeSnapshot(processor, cursor);
      if (processor.hasOnCaughtUp) {
        const tag = startCall(undefined);
        const result = await processor.onCaughtUp(path, tag);
        calls.delete(tag);
        if (stopped) return "stop";
        if (!result.ok) {
          if ((await fail(result, "onCaughtUp", undefined)) === "suspended") return "stop";
          if (broken(result)) return "reload";
        }
      }
      await services.appender.appendAsServer(project, path, [
        {
          type: "processor/started",
          payload: { slug, deployedOffset: deployment.configuredOffset, ...(restored === undefined ? {} : { snapshotOffset: restored }), reduced },
          appendedBy: runnerProvenance,
        },
      ]);
      // Running once the start is on record, so whoever sees the status finds the event too.
      status = "running";
      position = cursor;
      // A new life starts from the store.
      unheard = true;
      // The calls sent and not handled yet, in offset order. An event's call is sent as soon as the event
      // is known, before the earlier calls have settled (the sandbox process runs a processor's calls one
      // after another): so the next ping's call waits in the sandbox process behind the last pong's own
      // call, not in this process behind that call's reply. At most as many as could fail without
      // suspending the processor before the newest (none runs after the call that suspends it), and none
      // while a snapshot waits for the state after the handled events.
      const inFlight: { record: { offset: number; json: string }; what: string; tag: number; outcome: Promise<CallResult>; result?: CallResult }[] = [];
      let sent = cursor;
      let unsent: { offset: number; json: string; event?: StoredEvent }[] = [];
      let snapshotDue = false;
      const maySend = () => inFlight.length === 0 || (!snapshotDue && inFlight.length < maxInFlight && failures + inFlight.length < limits.maxFailures);
      while (!stopped) {
        if (unsent.length === 0 && maySend()) {
          woken = false;
          const taken = takeHanded(sent);
          if (taken) unsent = taken;
          else if (unheard || handed.length > 0) {
            unheard = false;
            unsent = await services.events.read(project, path, { afterOffset: sent, limit: followPage });
            if (stopped) return "stop";
            if (unsent.length === followPage) unheard = true;
            // Nothing after: handed-over events past a gap are stale (a stream deleted meanwhile).
            if (unsent.length === 0) handed.length = 0;
          }
        }
        while (unsent.length > 0 && maySend()) {
          const record = unsent.shift()!;
          const event = record.event ?? (JSON.parse(record.json) as StoredEvent);
          // Reduce and afterAppend in one round trip to the sandbox process (the afterAppend only if the reduce succeeded).
          const follows = processor.hasAfterAppend && !isDiagnosticFor(event, slug);
          const tag = startCall(follows ? event : undefined);
          const entry: (typeof inFlight)[number] = {
            record,
            what: follows ? "afterAppend" : "reduce",
            tag,
            outcome: follows ? processor.reduceThenAfterAppend(record.json, tag) : processor.reduce([record.json]),
          };
          void entry.outcome.then((result) => (entry.result = result));
          inFlight.push(entry);
          sent = record.offset;
        }
        const head = inFlight[0];
        if (!head) {
          if (unsent.length === 0 && !unheard && handed.length === 0) {
            await saveCursor();
            await nextWake();
          }
          continue;
        }
        // The oldest call's outcome, or (when another call could be sent) a wake meanwhile.
        const outcome =
          head.result ?? (unsent.length === 0 && maySend() ? await Promise.race([head.outcome, nextWake().then(() => undefined)]) : await head.outcome);
        if (stopped) return "stop";
        if (outcome === undefined) continue;
        inFlight.shift();
        calls.delete(head.tag);
        const { record } = head;
        const what = !outcome.ok && outcome.inReduce ? "reduce" : head.what;
        // A call lost with its sandbox process (killed, or restarted for another processor) is made
        // again once the processor is loaded anew: the cursor stays before the event.
        const lost = !outcome.ok && (outcome.kind === "crashed" || outcome.kind === "restarted");
        if (!lost) {
          cursor = record.offset;
          position = cursor;
          unsaved = { offset: cursor, count: (unsaved?.count ?? 0) + 1, since: unsaved?.since ?? Date.now() };
          if (unsaved.count >= cursorEvery || Date.now() - unsaved.since >= cursorMs) await saveCursor();
        }
        if (outcome.ok) {
          failures = 0;
          if (cursor - snapshotted >= limits.snapshotEvery) snapshotDue = true;
        } else {
          await saveCursor();
          if ((await fail(outcome, what, record.offset)) === "suspended") return "stop";
          if (broken(outcome)) return "reload";
        }
        if (snapshotDue && inFlight.length === 0) {
          snapshotDue = false;
          await saveCursor();
          await takeSnapshot(processor, cursor);
        }
      }
      return "stop";
    } finally {
      // What was handled stays handled if the store still takes the write (a server closing may not).
      await saveCursor().catch(() => undefined);
      calls.clear();
      processor.dispose();
      if (current === processor) current = undefined;
    }
  }

  const running = (async () => {
    while (!stopped) {
      try {
        if ((await live()) === "stop") break;
      } catch (error) {
        if (stopped) break;
        log.error("a hosted processor's runner failed; retrying in a second", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
    status = "stopped";
  })();

  return {
    wake(event?: StoredEvent): void {
      if (!event || handed.length >= maxHanded) {
        unheard = true;
        handed.length = 0;
      } else if (!unheard) handed.push(event);
      woken = true;
      const resolve = release;
      release = undefined;
      resolve?.();
    },
    status: () => status,
    position: () => position,
    /** The processor's state (JSON-decoded), when it is running. */
    async state(): Promise<unknown> {
      const result = await current?.state();
      return result?.ok && result.value !== undefined ? JSON.parse(result.value) : undefined;
    },
    async stop(): Promise<void> {
      stopped = true;
      current?.dispose();
      const resolve = release;
      release = undefined;
      resolve?.();
      await running;
    },
  };
}

export type HostedRunner = ReturnType<typeof createHostedRunner>;
