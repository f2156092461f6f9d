import { TributaryError, type StreamPath } from "@tributary/protocol";
import type { BuiltinFactory, BuiltinProcessor } from "../builtin-processor.ts";
import { compileJsonata } from "../shared/jsonata-expression.ts";
import { secretNamePattern } from "../secrets/secret-name.ts";
import { createSubscriptionDelivery, type SubscriptionDelivery } from "./subscription-delivery.ts";
import { initialSubscriptionsState, reduceSubscriptions, type SubscriptionEntry, type SubscriptionsState } from "./subscription-state.ts";

const invalid = (type: string, message: string) =>
  new TributaryError("invalid_event", `Invalid ${type} payload: ${message}`, { type, docs: `/api/docs/events/${type}` });

/**
 * Push subscriptions (webhooks): `subscription/configured` makes the server POST every matching event of
 * the stream to a URL; `subscription/removed` stops it. One delivery worker per subscription; the
 * guarantees are listed in subscription-delivery.ts. On start, every stream marked with a
 * `subscription/*` event is loaded, so deliveries resume without anyone touching the stream.
 */
export const createSubscriptions: BuiltinFactory = (services) => {
  const deliveries = new Map<string, Map<string, { delivery: SubscriptionDelivery; config: SubscriptionEntry }>>();
  const keyOf = (project: string, path: string) => `${project}\u0000${path}`;
  let closed = false;

  function sync(project: string, path: StreamPath, state: SubscriptionsState): void {
    if (closed) return;
    const key = keyOf(project, path);
    const running = deliveries.get(key) ?? new Map();
    for (const [slug, current] of running) {
      const entry = state.subscriptions[slug];
      if (!entry || entry.startAfter !== current.delivery.startAfter) {
        void current.delivery.stop();
        running.delete(slug);
      }
    }
    for (const entry of Object.values(state.subscriptions)) {
      const current = running.get(entry.slug);
      if (!current) {
        const holder = { config: entry } as { delivery: SubscriptionDelivery; config: SubscriptionEntry };
        holder.delivery = createSubscriptionDelivery({ services, project, path, config: () => holder.config });
        running.set(entry.slug, holder);
      } else if (current.config.configuredOffset !== entry.configuredOffset) {
        current.config = entry;
        current.delivery.retryNow();
      }
    }
    if (running.size > 0) deliveries.set(key, running);
    else deliveries.delete(key);
    if (running.size === 0 && state.lastConfigOffset > 0) {
      void services.store.unmarkStream(project, path, "subscription", state.lastConfigOffset).catch(() => undefined);
    }
  }

  function wakeAll(project: string, path: string): void {
    for (const { delivery } of deliveries.get(keyOf(project, path))?.values() ?? []) delivery.wake();
  }

  const processor: BuiltinProcessor<SubscriptionsState> = {
    slug: "subscriptions",
    initialState: initialSubscriptionsState,
    reduce: ({ event, state }) => reduceSubscriptions(state, event),
    beforeAppend: ({ event, state, path }) => {
      if (event.type === "subscription/configured") {
        const { url, filter, secretName } = event.payload as { url?: string; filter?: string; secretName?: string };
        if (typeof url === "string" && !/^https?:\/\//i.test(url)) return invalid(event.type, `url: must be an http:// or https:// URL; got ${JSON.stringify(url)}.`);
        if (typeof filter === "string") {
          const compiled = compileJsonata(filter);
          if (!compiled.ok) return invalid(event.type, `filter: not a valid JSONata expression: ${compiled.message}.`);
        }
        if (typeof secretName === "string" && !secretNamePattern.test(secretName)) {
          return invalid(event.type, `secretName: must be a secret's name (letters, digits, '-', '_', '.'; starting with a letter); got ${JSON.stringify(secretName)}.`);
        }
      }
      if (event.type === "subscription/removed") {
        const slug = String(event.payload.slug);
        if (state.subscriptions[slug]) return undefined;
        const known = Object.keys(state.subscriptions);
        return invalid(event.type, `there is no subscription '${slug}' on ${path}${known.length ? `; configured: ${known.join(", ")}` : ""}.`);
      }
      return undefined;
    },
    afterAppend: ({ project, path, event, state }) => {
      if (event.type === "subscription/configured" || event.type === "subscription/removed") sync(project, path, state);
      wakeAll(project, path);
    },
    onCaughtUp: ({ project, path, state }) => {
      sync(project, path, state);
      wakeAll(project, path);
    },
    describe: async (state, { project, path }) => ({
      subscriptions: await Promise.all(
        Object.values(state.subscriptions).map(async (entry) => {
          const running = deliveries.get(keyOf(project, path))?.get(entry.slug);
          const saved = await services.store.getCursor(project, path, `subscription:${entry.slug}`);
          return {
            slug: entry.slug,
            url: entry.url,
            types: entry.types ?? null,
            filter: entry.filter ?? null,
            // Header values may hold tokens: show only their names.
            headerNames: Object.keys(entry.headers ?? {}),
            secretName: entry.secretName ?? null,
            configuredAtOffset: entry.configuredOffset,
            cursor: Math.max(running?.delivery.position() ?? 0, saved ?? 0, entry.startAfter),
            failing: running?.delivery.status() ?? null,
          };
        }),
      ),
    }),
    start: async () => {
      for (const { project, path } of await services.store.listMarkedStreams("subscription")) {
        if (closed) return;
        await services.wake(project, path).catch((error) => services.logger.error("could not load a stream's subscriptions", { project, path, error: String(error) }));
      }
    },
    forget: (project, path) => {
      for (const { delivery } of deliveries.get(keyOf(project, path))?.values() ?? []) void delivery.stop();
      deliveries.delete(keyOf(project, path));
    },
    close: async () => {
      closed = true;
      const all = [...deliveries.values()].flatMap((running) => [...running.values()]);
      deliveries.clear();
      await Promise.all(all.map(({ delivery }) => delivery.stop()));
    },
  };
  return processor;
};
