/**
 * The code that runs inside each isolate, beside the user's module: it picks the processor export, keeps
 * the state, and gives `reduce`, `onCaughtUp` and `afterAppend` their contexts. It is evaluated as a
 * closure whose arguments are the module's namespace and the host functions (a request for an append or a
 * fetch, a call's end, a log line), each taking JSON strings, so nothing but strings crosses the boundary. The functions it
 * returns are reached only through references the sandbox holds; nothing here is on `globalThis` except
 * `fetch` and `console`.
 *
 * Only ECMAScript is there: no `process`, `require`, timers, file system or network. The global object is
 * trimmed further (`Atomics` could block the isolate's thread, `WebAssembly` compiles native code) before
 * the user's module runs; see `isolatePrelude`.
 */
export const isolatePrelude = `
delete globalThis.Atomics;
delete globalThis.SharedArrayBuffer;
delete globalThis.WebAssembly;
`;

/** The module a hosted processor may import as 'tributary' or '@tributary/sdk' without bundling. */
export const sdkShimModule = `
export function defineProcessor(factory) { return factory(); }
export function resolveStreamPath() { throw new Error("resolveStreamPath is not available in a hosted processor; append takes relative paths"); }
export default { defineProcessor };
`;

export const isolateRuntime = `
const namespace = $0, hostCall = $1, hostDone = $2, hostLog = $3;
const looksLikeProcessor = (value) => typeof value === "object" && value !== null && typeof value.slug === "string" && "initialState" in value;
let processor;
if (looksLikeProcessor(namespace.default)) processor = namespace.default;
else if (looksLikeProcessor(namespace.processor)) processor = namespace.processor;
else {
  const found = Object.keys(namespace).filter((name) => looksLikeProcessor(namespace[name]));
  if (found.length > 1) throw new Error("the module exports several processors (" + found.join(", ") + "); export the one to deploy as default");
  if (found.length === 0) throw new Error("the module has no processor export: export default defineProcessor(() => ({ slug, initialState, reduce, afterAppend }))");
  processor = namespace[found[0]];
}
const copy = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
let state = copy(processor.initialState);

function logger(cause) {
  const at = (level) => (message, fields) => {
    let encoded;
    try { encoded = fields === undefined ? undefined : JSON.stringify(fields); } catch { encoded = JSON.stringify({ unserialisable: String(fields) }); }
    hostLog(level, String(message), encoded, cause);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
const format = (args) => args.map((arg) => (typeof arg === "string" ? arg : (() => { try { return JSON.stringify(arg); } catch { return String(arg); } })())).join(" ");
const consoleLogger = logger(undefined);
globalThis.console = {
  log: (...args) => consoleLogger.info(format(args)),
  info: (...args) => consoleLogger.info(format(args)),
  debug: (...args) => consoleLogger.debug(format(args)),
  warn: (...args) => consoleLogger.warn(format(args)),
  error: (...args) => consoleLogger.error(format(args)),
};

// Every call in and out is synchronous (no thread hop): a host request is handed over with an id and
// returns at once; its answer comes back later as a call of settle(id, answer), and the code awaiting it
// runs inside that call. The answer is {"ok":true,"value":…} or {"ok":false,"message":…}, turned back into
// a value or a throw here.
const waiting = new Map();
let nextRequest = 0;
function callHost(kind, request, cause) {
  const id = ++nextRequest;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    hostCall.applySync(undefined, [kind, request, cause, id]);
  }).then((answer) => {
    const parsed = JSON.parse(answer);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.value;
  });
}
const messageOf = (error) => (error instanceof Error ? error.message : String(error));
// An asynchronous entry point: it returns at once, and tells the host when the work has settled.
function run(call, work) {
  work().then(
    () => hostDone.applySync(undefined, [call, true, ""]),
    (error) => hostDone.applySync(undefined, [call, false, messageOf(error)]),
  );
}

function append(cause) {
  return async (input) => {
    if (typeof input !== "object" || input === null || typeof input.event !== "object" || input.event === null) {
      throw new TypeError("append takes { event: { type, payload }, path? }");
    }
    return callHost("append", JSON.stringify({ event: input.event, path: input.path }), cause);
  };
}

function headersOf(pairs) {
  const map = new Map(pairs.map(([name, value]) => [name.toLowerCase(), value]));
  return {
    get: (name) => map.get(String(name).toLowerCase()) ?? null,
    has: (name) => map.has(String(name).toLowerCase()),
    entries: () => map.entries(),
    forEach: (fn) => map.forEach((value, name) => fn(value, name)),
    [Symbol.iterator]: () => map.entries(),
  };
}

globalThis.fetch = async (resource, init = {}) => {
  const url = typeof resource === "string" ? resource : resource && typeof resource.url === "string" ? resource.url : String(resource);
  let headers = init.headers ?? {};
  if (typeof headers.entries === "function" && !Array.isArray(headers)) headers = [...headers.entries()];
  if (!Array.isArray(headers)) headers = Object.entries(headers);
  if (init.body !== undefined && init.body !== null && typeof init.body !== "string") {
    throw new TypeError("a hosted processor's fetch takes a string body (JSON.stringify it)");
  }
  const answer = await callHost("fetch", JSON.stringify({ url, method: init.method ?? "GET", headers: headers.map(([n, v]) => [String(n), String(v)]), body: init.body ?? undefined }));
  const body = answer.body;
  return {
    ok: answer.status >= 200 && answer.status < 300,
    status: answer.status,
    statusText: answer.statusText,
    url: answer.url,
    redirected: answer.redirected,
    headers: headersOf(answer.headers),
    text: async () => body,
    json: async () => JSON.parse(body),
  };
};

const signal = Object.freeze({ aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {}, throwIfAborted() {}, onabort: null });

return {
  slug: String(processor.slug),
  hasAfterAppend: typeof processor.afterAppend === "function",
  hasOnCaughtUp: typeof processor.onCaughtUp === "function",
  /** Reduces one event (a JSON string); reduce must be pure, so nothing it could await is offered. */
  reduce(eventJson) {
    if (typeof processor.reduce !== "function") return;
    const event = JSON.parse(eventJson);
    const next = processor.reduce({ event, state });
    if (next !== undefined) state = next;
  },
  onCaughtUp(path, call) {
    run(call, async () => {
      if (typeof processor.onCaughtUp !== "function") return;
      await processor.onCaughtUp({ state, path, append: append(undefined), logger: logger(undefined) });
    });
  },
  afterAppend(eventJson, call) {
    run(call, async () => {
      if (typeof processor.afterAppend !== "function") return;
      const event = JSON.parse(eventJson);
      await processor.afterAppend({ event, state, append: append(event.offset), logger: logger(event.offset), signal });
    });
  },
  /** The answer to host request id: whatever awaited it runs now, inside this call. */
  settle(id, answer) {
    const entry = waiting.get(id);
    waiting.delete(id);
    entry?.resolve(answer);
  },
  state() {
    return JSON.stringify(state === undefined ? null : state);
  },
  /** Replaces the state with a snapshot's: what reducing the history up to the snapshot produced. */
  restore(stateJson) {
    state = JSON.parse(stateJson);
  },
};
`;
