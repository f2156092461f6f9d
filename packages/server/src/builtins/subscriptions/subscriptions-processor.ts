import { invalidPayload, unknownSlug } from "../shared/invalid-payload.ts";
import type { StreamPath } from "@tributary/protocol";
import type { BuiltinFactory, BuiltinProcessor } from "../builtin-processor.ts";
import { compileJsonata } from "../shared/jsonata-expression.ts";
import { secretNamePattern } from "../secrets/secret-name.ts";
import { createOutboundFetch } from "../../outbound/outbound-fetch.ts";
import { createOutboundPolicy } from "../../outbound/outbound-policy.ts";
import { plainSecrets } from "../secrets/secret-vault.ts";
import { createSlugWorkers } from "../shared/slug-workers.ts";
import { createSubscriptionDelivery, type SubscriptionDelivery } from "./subscription-delivery.ts";
import { initialSubscriptionsState, reduceSubscriptions, type SubscriptionEntry, type SubscriptionsState } from "./subscription-state.ts";


/**
 * Push subscriptions (webhooks): `subscription/configured` makes the server POST every matching event of
 * the stream to a URL; `subscription/removed` stops it. One delivery worker per subscription; the
 * guarantees are listed in subscription-delivery.ts. On start, every stream marked with a
 * `subscription/*` event is loaded, so deliveries resume without anyone touching the stream.
 */
export const createSubscriptions: BuiltinFactory = (services, settings) => {
  const outbound = settings.outbound ?? createOutboundFetch(createOutboundPolicy({ allowLocal: false }));
  const secrets = settings.secrets ?? plainSecrets(services.store);
  const workers = createSlugWorkers<SubscriptionEntry, SubscriptionDelivery>((project, path, config) =>
    createSubscriptionDelivery({ services, project, path, config, outbound, secrets }),
  );

  let closed = false;

  function sync(project: string, path: StreamPath, state: SubscriptionsState): void {
    const entries = Object.values(state.subscriptions);
    workers.sync(project, path, entries);
    if (entries.length === 0 && state.lastConfigOffset > 0) {
      // Nothing left to deliver: the stream need not be loaded on the next start (unless a newer subscription/* came).
      void services.store.unmarkStream(project, path, "subscription", state.lastConfigOffset).catch(() => undefined);
    }
  }

  const processor: BuiltinProcessor<SubscriptionsState> = {
    slug: "subscriptions",
    initialState: initialSubscriptionsState,
    reduce: ({ event, state }) => reduceSubscriptions(state, event),
    beforeAppend: ({ event, state, path }) => {
      if (event.type === "subscription/configured") {
        const { url, filter, secretName } = event.payload as { url?: string; filter?: string; secretName?: string };
        if (typeof url === "string" && !/^https?:\/\//i.test(url)) return invalidPayload(event.type, `url: must be an http:// or https:// URL; got ${JSON.stringify(url)}.`);
        if (typeof filter === "string") {
          const compiled = compileJsonata(filter);
          if (!compiled.ok) return invalidPayload(event.type, `filter: not a valid JSONata expression: ${compiled.message}.`);
        }
        if (typeof secretName === "string" && !secretNamePattern.test(secretName)) {
          return invalidPayload(event.type, `secretName: must be a secret's name (letters, digits, '-', '_', '.'; starting with a letter); got ${JSON.stringify(secretName)}.`);
        }
      }
      if (event.type === "subscription/removed") {
        const slug = String(event.payload.slug);
        if (state.subscriptions[slug]) return undefined;
        return unknownSlug(event.type, "subscription", slug, path, Object.keys(state.subscriptions));
      }
      return undefined;
    },
    afterAppend: ({ project, path, event, state }) => {
      if (event.type === "subscription/configured" || event.type === "subscription/removed") sync(project, path, state);
      workers.wakeAll(project, path);
    },
    onCaughtUp: ({ project, path, state }) => {
      sync(project, path, state);
      workers.wakeAll(project, path);
    },
    describe: async (state, { project, path }) => ({
      subscriptions: await Promise.all(
        Object.values(state.subscriptions).map(async (entry) => {
          const running = workers.get(project, path, entry.slug);
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
            cursor: Math.max(running?.position() ?? 0, saved ?? 0, entry.startAfter),
            failing: running?.status() ?? null,
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
    forget: (project, path) => workers.forget(project, path),
    close: () => {
      closed = true;
      return workers.close();
    },
  };
  return processor;
};
