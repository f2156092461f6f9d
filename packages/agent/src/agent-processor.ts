import type { EventInput, ProcessorAppend, Processor, ProcessorLogger, StoredEvent } from "@tributary/protocol";
import { retryDelayFor, type EventsClient } from "@tributary/sdk";
import type OpenAI from "openai";
import { abortableSleep } from "./abortable-sleep.ts";
import { agentEvent, parseAgentPayload } from "./agent-event-types.ts";
import { defaultAgentConfig, initialAgentState, type AgentConfig, type AgentStreamState, type PendingCall } from "./agent-state.ts";
import { createBatchWriter } from "./batch-writer.ts";
import { estimateContextTokens } from "./compaction.ts";
import { createModelClient, describeModelError, streamModel } from "./llm/call-model.ts";
import { createModelFetch } from "./llm/model-fetch.ts";
import { withAttempts } from "./llm/model-attempts.ts";
import { summarizeHistory } from "./llm/summarize-history.ts";
import { planActions, type AgentAction } from "./plan-actions.ts";
import { reduceAgent } from "./reduce-agent.ts";

export interface AgentOptions extends Partial<AgentConfig> {
  /** The processor's slug (default `agent`), recorded on everything it appends. */
  slug?: string;
  /** The API key; defaults to `OPENAI_API_KEY`. Never written to an event. */
  apiKey?: string;
  /**
   * The client of the server the agent runs against: with it, streamed chunks are stored in batches (one
   * append request for every chunk that arrived while the last one was stored) instead of one by one.
   */
  client?: EventsClient;
  /**
   * This process's lease holder id (see `acquireAgentLease`): on a stream whose newest `agent-lease-acquired`
   * names another holder, the agent does nothing (it was replaced after a stall).
   */
  holder?: string;
  /**
   * Further model base URLs an `agent-provider-changed` event may switch to; they get the API key too.
   * The operator's own base URL (`baseUrl`, else `OPENAI_BASE_URL`, else OpenAI's) is always allowed.
   */
  allowedBaseUrls?: string[];
}

const inFlightPhases = new Set(["compacting", "window", "requesting", "tools"]);
const longActions = new Set<AgentAction["kind"]>(["start-request", "call-model", "summarize"]);
/** The steps that close a run: refused for good, they are not followed by another attempt to close it. */
const closing = new Set<AgentAction["kind"]>(["cancel-request", "close-call", "end-run"]);

/**
 * A run in its tools phase whose open calls were none of them dispatched (each waits for an approval, was
 * answered, or was not sent yet) lost nothing with the last process: everything it waits for is an event,
 * so a restarted agent goes on with it instead of closing it.
 */
const survivesRestart = (run: NonNullable<AgentStreamState["run"]>) => run.phase === "tools" && run.pendingCalls.every((call) => !call.dispatched);

/** A call's arguments parsed, or null when they are not valid JSON (empty means no arguments). */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text === "" ? "{}" : text);
  } catch {
    return null;
  }
}

/** A base URL compared by origin and path, without a trailing slash. */
function normaliseBaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    return url;
  }
}

/**
 * The LLM agent as a stream processor. On `agent-input-added` it runs the loop: context window, model
 * request (every streamed chunk an event), tool calls dispatched as events to tool processors, more turns
 * until an answer, the turn limit, a failure or an interruption. Its state is `reduceAgent`; what it does
 * next is `planActions(state)`, run once per action key after every event.
 *
 * Guarantees, as implemented here:
 * 1. Every step is an event appended before the next step starts; a step's append carries an idempotency
 *    key (`agent:<action key>`, unique on its stream), so two agents on one stream, or a retried step, do
 *    not double it.
 * 2. A new input cancels the run in flight (interrupt policy) or waits (queue policy), and says so in an event.
 * 3. On start (`onCaughtUp`), a run that was waiting on a request, a window, a compaction or dispatched
 *    tool calls is closed explicitly: `agent-request-cancelled`, an error `agent-tool-call-completed` per
 *    open call, then `agent-run-ended {outcome: "interrupted"}`. A run that had not started yet (an input
 *    that came while the agent was down) is answered. A run whose open calls all wait for approval (or
 *    were answered and not dispatched yet) goes on: the same request keeps waiting until its deadline
 *    (`createdAt + timeoutMs`), and an answer appended while the agent was down is honoured.
 * 4. When the runtime stops, a request in flight is cancelled with an event (reason: the agent stopped).
 * 5. When the server cannot store its events for now (unreachable, a 5xx, a rate limit, a paused stream),
 *    a quick step is tried again with the next event (and, but for a pause, on a backoff timer), and a run
 *    whose request or wait died that way is closed as soon as the stream takes events again.
 * 6. A refusal that repeating cannot change (any other 4xx: a token without the scope, an event too large)
 *    is not retried: it is logged at once with the server's message (the runtime also reports it as
 *    `stream/error-occurred` where it can), and the run is closed now, with that message, if the server
 *    takes the closing events.
 *
 * @example
 * const agent = createAgentProcessor({ model: "gpt-4o-mini", baseUrl: "http://127.0.0.1:4010/v1" });
 * await new PullProcessorRuntime({ path: "/me/agent", includeChildren: true, processor: agent }).run();
 */
export function createAgentProcessor(options: AgentOptions = {}): Processor<AgentStreamState> {
  const { slug = "agent", apiKey, client: eventsClient, holder, allowedBaseUrls = [], ...overrides } = options;
  const config: AgentConfig = { ...defaultAgentConfig, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const started = new Set<string>();
  /** Runs (`path#inputOffset`) whose in-flight work died: at a restart, or when their events could not be stored. */
  const dead = new Map<string, string>();
  const controllers = new Map<string, AbortController>();
  const clients = new Map<string, OpenAI>();
  /** The newest state seen per stream: long actions (a window wait, a call's timeout) look at it when they wake. */
  const latest = new Map<string, AgentStreamState>();
  /** Timeouts of open tool calls (`path#callId`), cancelled when the call closes. */
  const watches = new Map<string, AbortController>();
  /** Streams with a retry loop that closes or advances a run once the server takes events again. */
  const retrying = new Set<string>();
  /** Per stream: aborted by `onStop`, for the waits started at catch-up (which has no signal of its own). */
  const stops = new Map<string, AbortController>();
  const stopSignalFor = (path: string) => {
    let controller = stops.get(path);
    if (!controller) stops.set(path, (controller = new AbortController()));
    return controller.signal;
  };
  const see = (path: string, state: AgentStreamState) => {
    const known = latest.get(path);
    if (!known || known.lastOffset <= state.lastOffset) latest.set(path, state);
  };

  // Credentials never travel by event: the key goes only to the provider the operator configured (or
  // allowed). An event naming another base URL gets a failed request that says so, and no request at all.
  const operatorBaseUrl = config.baseUrl ?? process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
  const trusted = new Set([operatorBaseUrl, ...allowedBaseUrls].map(normaliseBaseUrl));
  // And the calls themselves go through the outbound policy (llm/model-fetch.ts): no metadata address, no
  // internal address but the operator's, checked after DNS and on every redirect.
  const modelFetch = createModelFetch([operatorBaseUrl, ...allowedBaseUrls]);
  const clientFor = (state: AgentStreamState) => {
    const baseUrl = state.config.baseUrl ?? operatorBaseUrl;
    if (!trusted.has(normaliseBaseUrl(baseUrl))) {
      throw new Error(
        `refused: this agent sends its API key only to the provider its operator configured (${operatorBaseUrl}); the stream asked for ${baseUrl}. Start the agent with that base URL (or allow it) to use it.`,
      );
    }
    let client = clients.get(baseUrl);
    if (!client) clients.set(baseUrl, (client = createModelClient({ baseUrl, apiKey, maxRetries: 0, fetch: modelFetch })));
    return client;
  };

  /** An abort controller for a request's in-flight work (window wait, model call, summary), tied to `signal`. */
  const controllerFor = (path: string, requestId: string) => {
    const controller = new AbortController();
    controllers.set(`${path}#${requestId}`, controller);
    return controller;
  };

  /** `agent-request-started`: what the request offers is what the stream says now, after the window (tools announced during it included). */
  function requestStarted(path: string, state: AgentStreamState, requestId: string) {
    const run = state.run!;
    const now = latest.get(path) ?? state;
    const c = now.config;
    return agentEvent("agent-request-started", {
      requestId,
      inputOffset: run.inputOffset,
      turn: run.turn,
      model: c.model,
      api: c.api,
      ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}),
      tools: Object.keys(now.tools),
    });
  }

  async function execute(
    path: string,
    state: AgentStreamState,
    action: AgentAction,
    append: ProcessorAppend,
    signal: AbortSignal,
    appended: StoredEvent[],
  ): Promise<void> {
    const emit = async (event: ReturnType<typeof agentEvent>, key = action.key) => {
      const stored = await append({ path, event: { ...event, idempotencyKey: `agent:${key}` } });
      appended.push(stored);
      return stored;
    };
    switch (action.kind) {
      case "notice-queued":
        await emit(agentEvent("agent-input-queued", { inputOffset: action.inputOffset, behindInputOffset: action.behindInputOffset }));
        return;
      case "notice-steered":
        await emit(agentEvent("agent-input-steered", { inputOffset: action.inputOffset, runInputOffset: action.runInputOffset }));
        return;
      case "start-compaction":
        await emit(
          agentEvent("agent-compaction-started", {
            requestId: action.requestId,
            throughOffset: action.throughOffset,
            estimatedTokens: action.estimatedTokens,
            budgetTokens: state.config.compactionBudgetTokens,
            reason: action.reason,
          }),
        );
        return;
      case "open-window": {
        const opened = agentEvent("agent-context-window-opened", {
          requestId: action.requestId,
          inputOffset: action.inputOffset,
          turn: action.turn,
          windowMs: state.config.contextWindowMs,
        });
        if (state.config.contextWindowMs > 0 || !eventsClient || signal.aborted) {
          await emit(opened);
          return;
        }
        // A window of 0 ms has nothing to wait for: the request starts in the same append (one round trip
        // less before the model call), both events stored before it. Under the keys the two steps have.
        const startKey = `start:${action.requestId}`;
        started.add(`${path}#${startKey}`);
        const events = [
          { ...opened, idempotencyKey: `agent:${action.key}` },
          { ...requestStarted(path, state, action.requestId), idempotencyKey: `agent:${startKey}` },
        ];
        appended.push(...(await eventsClient.appendBatch({ path, events: events.map((event) => ({ ...event, metadata: { processor: slug } })) })));
        return;
      }
      case "request-approval": {
        const { call } = action;
        await emit(
          agentEvent("agent-tool-call-approval-requested", {
            callId: call.callId,
            requestId: action.requestId,
            name: call.name,
            arguments: call.arguments,
            input: parseArguments(call.arguments),
            timeoutMs: action.timeoutMs,
          }),
        );
        return;
      }
      case "watch-approval":
        watchApproval(path, action.call, action.deadline, action.timeoutMs, append, signal);
        return;
      case "await-tool":
        awaitTool(path, action, append, signal);
        return;
      case "deny-call":
        await emit(agentEvent("agent-tool-call-denied", { callId: action.call.callId, reason: action.reason, by: slug }));
        return;
      case "dispatch-call": {
        const { call } = action;
        await emit(
          agentEvent("agent-tool-call-requested", {
            callId: call.callId,
            requestId: action.requestId,
            name: call.name,
            arguments: call.arguments,
            input: parseArguments(call.arguments),
          }),
        );
        if (!action.known) {
          const known = Object.keys(state.tools).join(", ") || "none";
          await emit(
            agentEvent("agent-tool-call-completed", {
              callId: call.callId,
              name: call.name,
              output: `error: there is no tool named "${call.name}" (tools: ${known})`,
              isError: true,
            }),
            `unknown:${action.key}`,
          );
        } else {
          watchCall(path, call, action.timeoutMs, action.ackTimeoutMs, append, signal);
        }
        return;
      }
      case "cancel-request":
        controllers.get(`${path}#${action.requestId}`)?.abort();
        await emit(
          agentEvent("agent-request-cancelled", {
            requestId: action.requestId,
            reason: action.reason,
            ...(action.byOffset ? { byOffset: action.byOffset } : {}),
          }),
        );
        return;
      case "close-call":
        await emit(agentEvent("agent-tool-call-completed", { callId: action.call.callId, name: action.call.name, output: action.output, isError: true }));
        return;
      case "end-run":
        await emit(
          agentEvent("agent-run-ended", {
            inputOffset: action.inputOffset,
            outcome: action.outcome,
            ...(action.text !== undefined ? { text: action.text } : {}),
            turns: action.turns,
            ...(action.byOffset ? { byOffset: action.byOffset } : {}),
            ...(action.usage ? { usage: action.usage } : {}),
            ...(action.streamUsage ? { streamUsage: action.streamUsage } : {}),
          }),
        );
        return;
      case "start-request": {
        const controller = controllerFor(path, action.requestId);
        const stop = AbortSignal.any([controller.signal, signal]);
        const waited = await abortableSleep(action.windowMs, stop);
        controllers.delete(`${path}#${action.requestId}`);
        if (!waited) return;
        await emit(requestStarted(path, state, action.requestId));
        return;
      }
      case "call-model":
        return callModel(path, state, action.requestId, emit, signal, append, appended);
      case "summarize":
        return summarize(path, state, action.requestId, emit, signal);
    }
  }

  async function callModel(
    path: string,
    state: AgentStreamState,
    requestId: string,
    emit: (e: ReturnType<typeof agentEvent>, key?: string) => Promise<StoredEvent>,
    signal: AbortSignal,
    append: ProcessorAppend,
    appended: StoredEvent[],
  ) {
    const controller = controllerFor(path, requestId);
    const stop = AbortSignal.any([controller.signal, signal]);
    const c = state.config;
    const offered = state.run?.tools;
    const tools = Object.values(state.tools).filter((tool) => offered === undefined || offered.includes(tool.name));
    // Chunks go to a batch writer: the model stream never waits for an append, and one append stores every
    // chunk that arrived while the previous one was being stored (still one event per chunk).
    const writer = createBatchWriter<EventInput>(async (events) => {
      if (eventsClient && events.length > 1) {
        appended.push(
          ...(await eventsClient.appendBatch({ path, events: events.map((event) => ({ ...event, metadata: { processor: slug, ...event.metadata } })) })),
        );
      } else {
        for (const event of events) appended.push(await append({ path, event }));
      }
    });
    let index = 0;
    // A first chunk that carries nothing to show (the role delta that opens a Chat Completions stream) is
    // held until the next one, so both are stored by one append and the first text is not an append later.
    let held: EventInput | undefined;
    const release = () => {
      if (held) writer.push(held);
      held = undefined;
    };
    try {
      const { output, attempts } = await withAttempts(
        c,
        stop,
        async (chunk) => {
          if (stop.aborted) return;
          const event = { ...agentEvent("agent-output-chunk-received", { requestId, index, ...chunk }), idempotencyKey: `agent:chunk:${requestId}:${index}` };
          if (index++ === 0 && !chunk.text && !chunk.toolCalls) held = event;
          else {
            release();
            writer.push(event);
          }
        },
        async (retry) => {
          await emit(agentEvent("agent-request-retried", { requestId, ...retry }), `retry:${requestId}:${retry.attempt}`);
        },
        (attemptSignal, onResponse, sink) =>
          streamModel(
            clientFor(state),
            { api: c.api, model: c.model, systemPrompt: c.systemPrompt, history: state.history, tools, temperature: c.temperature },
            sink,
            attemptSignal,
            onResponse,
          ),
      );
      release();
      await writer.drain();
      void attempts;
      await emit(
        agentEvent("agent-output-completed", {
          requestId,
          text: output.text,
          toolCalls: output.toolCalls,
          ...(output.finishReason ? { finishReason: output.finishReason } : {}),
          ...(output.usage ? { usage: output.usage } : {}),
        }),
        `output:${requestId}`,
      );
    } catch (error) {
      release();
      await writer.drain().catch(() => undefined);
      if (controller.signal.aborted) return; // cancelled by the agent: the canceller wrote the event
      if (signal.aborted) {
        await emit(agentEvent("agent-request-cancelled", { requestId, reason: "the agent stopped" }), `cancel:${requestId}`).catch(() => undefined);
        return;
      }
      const attempts = (error as { attempts?: number }).attempts;
      await emit(
        agentEvent("agent-request-failed", { requestId, ...describeModelError(error), ...(attempts !== undefined ? { attempts } : {}) }),
        `failed:${requestId}`,
      );
    } finally {
      controllers.delete(`${path}#${requestId}`);
    }
  }

  /** The call, if it is still open on the newest state of its stream. */
  const openCall = (path: string, callId: string): PendingCall | undefined => latest.get(path)?.run?.pendingCalls.find((call) => call.callId === callId);

  /**
   * Ends a tool call that nobody answers: one whose tool acknowledges calls but did not acknowledge this one
   * within `ackTimeoutMs` (its process is gone: the tool is withdrawn too), or any call still open after
   * `timeoutMs`. The tool, if it is still running the call, sees the result and aborts.
   */
  function watchCall(path: string, call: PendingCall, timeoutMs: number, ackTimeoutMs: number | undefined, append: ProcessorAppend, signal: AbortSignal) {
    const key = `${path}#${call.callId}`;
    const controller = new AbortController();
    watches.set(key, controller);
    const stop = AbortSignal.any([controller.signal, signal]);
    const close = (output: string, reason: string) =>
      append({
        path,
        event: {
          ...agentEvent("agent-tool-call-completed", { callId: call.callId, name: call.name, output, isError: true }),
          idempotencyKey: `agent:${reason}:${call.callId}`,
        },
      });
    void (async () => {
      const started = Date.now();
      if (ackTimeoutMs !== undefined && ackTimeoutMs < timeoutMs) {
        if (!(await abortableSleep(ackTimeoutMs, stop))) return;
        const open = openCall(path, call.callId);
        if (!open) return;
        if (!open.acknowledged) {
          await close(
            `error: no process took this ${call.name} call within ${ackTimeoutMs} ms (toolAckTimeoutMs): the tool's process seems to be gone, so ${call.name} is withdrawn`,
            "unacknowledged",
          );
          await append({
            path,
            event: {
              ...agentEvent("agent-tool-withdrawn", { name: call.name, reason: `its process did not take the call ${call.callId} within ${ackTimeoutMs} ms` }),
              idempotencyKey: `agent:withdraw:${call.callId}`,
            },
          });
          return;
        }
      }
      if (!(await abortableSleep(timeoutMs - (Date.now() - started), stop))) return;
      if (openCall(path, call.callId)) await close(`error: ${call.name} did not answer within ${timeoutMs} ms (its timeout), so the call was ended`, "timeout");
    })()
      .catch(() => undefined) // a result that could not be stored: the run is closed when the stream takes events again
      .finally(() => watches.delete(key));
  }

  /**
   * An approved call whose tool is not announced: dispatched by the plan as soon as the tool is announced
   * (again), else after `timeoutMs` as a call of an unknown tool (its error result says which tools exist).
   */
  function awaitTool(path: string, action: Extract<AgentAction, { kind: "await-tool" }>, append: ProcessorAppend, signal: AbortSignal) {
    void (async () => {
      if (!(await abortableSleep(action.timeoutMs, signal, { unref: true }))) return;
      const now = latest.get(path);
      const open = openCall(path, action.call.callId);
      if (!now || !open || open.dispatched || now.tools[open.name] !== undefined) return;
      const dispatch: AgentAction = {
        kind: "dispatch-call",
        key: `dispatch:${open.callId}`,
        requestId: action.requestId,
        call: open,
        known: false,
        timeoutMs: 0,
      };
      started.add(`${path}#${dispatch.key}`);
      await execute(path, now, dispatch, append, signal, []);
    })().catch(() => undefined); // refused (a paused stream): the run is closed when the stream takes events again
  }

  /**
   * Denies a call that waits for approval when nobody answered by `deadline` (its request's `createdAt`
   * plus `timeoutMs`: a restarted agent keeps the deadline, and one that passed while it was down denies at once).
   */
  function watchApproval(path: string, call: PendingCall, deadline: number, timeoutMs: number, append: ProcessorAppend, signal: AbortSignal) {
    const key = `${path}#approval#${call.callId}`;
    const controller = new AbortController();
    watches.set(key, controller);
    void (async () => {
      if (!(await abortableSleep(deadline - Date.now(), AbortSignal.any([controller.signal, signal]), { unref: true }))) return;
      if (openCall(path, call.callId)?.approval !== "pending") return;
      const reason = `nobody approved or denied it within ${timeoutMs} ms (approvalTimeoutMs)`;
      await append({
        path,
        event: {
          ...agentEvent("agent-tool-call-denied", { callId: call.callId, reason, by: slug, timedOut: true }),
          idempotencyKey: `agent:approval-timeout:${call.callId}`,
        },
      });
    })()
      .catch(() => undefined) // refused (a paused stream): the run is closed when the stream takes events again
      .finally(() => watches.delete(key));
  }

  async function summarize(
    path: string,
    state: AgentStreamState,
    requestId: string,
    emit: (e: ReturnType<typeof agentEvent>, key?: string) => Promise<StoredEvent>,
    signal: AbortSignal,
  ) {
    const controller = controllerFor(path, requestId);
    const stop = AbortSignal.any([controller.signal, signal]);
    const through = state.run?.compactThroughOffset ?? 0;
    const entries = state.history.filter((entry) => entry.offset <= through);
    try {
      const summary = await summarizeHistory(clientFor(state), { api: state.config.api, model: state.config.model }, entries, stop);
      const runStart = state.run?.startOffset ?? Number.POSITIVE_INFINITY;
      const kept = state.history.filter((e) => e.offset > through || (e.kind === "input" && e.offset >= runStart));
      const after = estimateContextTokens({ ...state, usage: undefined, history: [{ kind: "summary", offset: through, text: summary }, ...kept] });
      await emit(
        agentEvent("agent-history-compacted", {
          summary: summary || "(empty summary)",
          throughOffset: through,
          requestId,
          estimatedTokensBefore: estimateContextTokens({ ...state, usage: undefined }),
          estimatedTokensAfter: after,
        }),
        `compacted:${requestId}`,
      );
    } catch (error) {
      if (stop.aborted) return;
      await emit(agentEvent("agent-compaction-failed", { requestId, message: describeModelError(error).message }), `compaction-failed:${requestId}`);
    } finally {
      controllers.delete(`${path}#${requestId}`);
    }
  }

  /**
   * Plans on the state and runs each action not run before; long actions (waits, model calls) are awaited
   * here. When an action's events cannot be stored (the stream is paused, the server is gone), a quick
   * action is tried again after the next event (its idempotency key makes that safe), and a run whose
   * long action died is closed as soon as events can be stored again.
   */
  async function act(path: string, state: AgentStreamState, append: ProcessorAppend, signal: AbortSignal, logger: ProcessorLogger, echo = true) {
    if (holder !== undefined && state.lease !== undefined && state.lease.holder !== holder) return; // another agent holds this stream
    const runKey = state.run ? `${path}#${state.run.inputOffset}` : "";
    const deadReason = dead.get(runKey);
    const actions = planActions(state, { dead: deadReason !== undefined, deadReason }).filter((action) => !started.has(`${path}#${action.key}`));
    for (const action of actions) started.add(`${path}#${action.key}`);
    const appended: StoredEvent[] = [];
    for (const action of actions) {
      try {
        await execute(path, state, action, append, signal, appended);
      } catch (error) {
        const message = (error as Error).message;
        const transient = retryDelayFor(error, 0) !== undefined;
        // A paused stream takes events again with its `stream/resumed`, which comes here as the next event.
        const paused = (error as { code?: string }).code === "stream_paused";
        if (longActions.has(action.kind) || (!transient && !paused && !closing.has(action.kind))) {
          // A refusal that repeating cannot change (a 4xx) ends the run too: the step will never be stored.
          dead.set(runKey, `the agent could not store its events: ${message}`);
        } else {
          started.delete(`${path}#${action.key}`);
        }
        if (transient) {
          // Close the run (or take the quick step again) as soon as the stream takes events again: with the
          // stream's next event, or by trying again until the server answers, whichever comes first.
          retryUntilStored(path, append, signal, logger);
        } else if (!paused) {
          // Permanent: said at once with the server's message, never retried on a timer. The run is closed
          // now if the server takes the closing events (a paused stream takes them with its next event).
          logger.error(`the server refused the agent's ${action.kind} step; not retried`, { path, error: message });
          if (!closing.has(action.kind) && !signal.aborted)
            queueMicrotask(() => void act(path, latest.get(path) ?? state, append, signal, logger, false).catch(() => undefined));
        }
        throw error;
      }
    }
    // Local echo: when what it just stored directly follows the state (nothing else was appended in between),
    // the agent reduces it itself and goes on, instead of waiting for the event to come back over the stream.
    // Same state, same plan (the keys keep the later afterAppend of those events from acting twice); it takes
    // the stream round trips out of the time to first token.
    if (!echo || signal.aborted) return; // stopping: the events it stored carry the run on at the next start
    let next = state;
    for (const event of appended.sort((a, b) => a.offset - b.offset)) {
      if (event.offset !== next.lastOffset + 1) break;
      next = reduceAgent(next, event);
    }
    see(path, next);
    if (next !== state) await act(path, next, append, signal, logger);
  }

  /**
   * After an append failed transiently (`retryDelayFor`: the server is gone or restarting, a 5xx, a rate
   * limit), tries the plan again with backoff (0.2 s doubling to 5 s, or the server's `Retry-After`) until a
   * step is stored, the runtime stops, or the failure turns permanent (a 4xx, surfaced by `act`; an hour at
   * most), so a run never stays open waiting for an event that nobody will append.
   */
  function retryUntilStored(path: string, append: ProcessorAppend, signal: AbortSignal, logger: ProcessorLogger) {
    if (retrying.has(path)) return;
    retrying.add(path);
    void (async () => {
      const giveUpAt = Date.now() + 3_600_000;
      let delayMs = 200;
      for (let backoff = 200; Date.now() < giveUpAt; backoff = Math.min(backoff * 2, 5_000)) {
        if (!(await abortableSleep(delayMs, signal, { unref: true }))) return;
        const state = latest.get(path);
        if (!state?.run) return;
        try {
          await act(path, state, append, signal, logger, false);
          return;
        } catch (error) {
          const next = retryDelayFor(error, Math.min(backoff * 2, 5_000));
          if (next === undefined) return; // permanent now: act said so and closed what it could
          logger.warn("could not store the agent's events; trying again", { path, delayMs: next, error: (error as Error).message });
          delayMs = next;
        }
      }
    })().finally(() => retrying.delete(path));
  }

  return {
    slug,
    initialState: initialAgentState(config),
    concurrency: "concurrent",
    reduce: ({ event, state }) => reduceAgent(state, event),
    async afterAppend({ event, state, append, signal, logger }) {
      const parsed = parseAgentPayload(event.type, event.payload);
      if (parsed && !parsed.ok) {
        await append({
          event: {
            type: "stream/error-occurred",
            payload: { message: `${event.type} ignored: ${parsed.error}`, processor: slug, offset: event.offset },
            idempotencyKey: `agent:invalid:${event.offset}`,
          },
        });
        return;
      }
      see(event.streamPath, state);
      if (event.type === "agent-tool-call-completed") watches.get(`${event.streamPath}#${String(event.payload.callId)}`)?.abort();
      if (event.type === "agent-tool-call-completed" || event.type === "agent-tool-call-approved" || event.type === "agent-tool-call-denied") {
        watches.get(`${event.streamPath}#approval#${String(event.payload.callId)}`)?.abort();
      }
      await act(event.streamPath, state, append, signal, logger);
    },
    async onCaughtUp({ state, append, path, logger }) {
      see(path, state);
      if (state.run && inFlightPhases.has(state.run.phase) && !survivesRestart(state.run))
        dead.set(`${path}#${state.run.inputOffset}`, "the agent restarted while this was in flight");
      // Only quick steps here (onCaughtUp gets no stop signal of its own: the waits it starts, an approval's
      // deadline or a call's timeout, end with `onStop`); the events they append carry the run on.
      await act(path, state, append, stopSignalFor(path), logger, false);
    },
    onStop({ path }) {
      stops.get(path)?.abort();
      stops.delete(path);
    },
  };
}
