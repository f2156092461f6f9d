import { createOutboundFetch } from "../../outbound/outbound-fetch.ts";
import { createOutboundPolicy } from "../../outbound/outbound-policy.ts";
import { plainSecrets } from "../secrets/secret-vault.ts";
import { cursorWorkerBuiltin } from "../shared/cursor-worker-builtin.ts";
import { invalidPayload } from "../../append/invalid-payload.ts";
import { compileJsonata } from "../shared/jsonata-expression.ts";
import { secretNamePattern } from "../secrets/secret-name.ts";
import { credentialInHeaders } from "./header-secrets.ts";
import { createSubscriptionDelivery } from "./subscription-delivery.ts";
import { initialSubscriptionsState, reduceSubscriptions } from "./subscription-state.ts";

/**
 * Push subscriptions (webhooks): `subscription/configured` makes the server POST every matching event of
 * the stream to a URL; `subscription/removed` stops it. One delivery worker per subscription; the
 * guarantees are listed in subscription-delivery.ts. On start, every stream marked with a
 * `subscription/*` event is loaded, so deliveries resume without anyone touching the stream.
 */
export const subscriptions = cursorWorkerBuiltin({
  slug: "subscriptions",
  namespace: "subscription",
  initialState: initialSubscriptionsState,
  reduce: reduceSubscriptions,
  slugs: (state) => ({ entries: state.subscriptions, lastConfigOffset: state.lastConfigOffset }),
  validate: (event) => {
    const { url, filter, secretName, headers } = event.payload as { url?: string; filter?: string; secretName?: string; headers?: Record<string, unknown> };
    const credential = credentialInHeaders(headers);
    if (credential) return invalidPayload(event.type, `${credential}.`);
    if (typeof url === "string" && !/^https?:\/\//i.test(url))
      return invalidPayload(event.type, `url: must be an http:// or https:// URL; got ${JSON.stringify(url)}.`);
    if (typeof filter === "string") {
      const compiled = compileJsonata(filter);
      if (!compiled.ok) return invalidPayload(event.type, `filter: not a valid JSONata expression: ${compiled.message}.`);
    }
    if (typeof secretName === "string" && !secretNamePattern.test(secretName)) {
      return invalidPayload(
        event.type,
        `secretName: must be a secret's name (letters, digits, '-', '_', '.'; starting with a letter); got ${JSON.stringify(secretName)}.`,
      );
    }
    return undefined;
  },
  quota: { counted: { what: "subscriptions", flag: "--subscription-quota", removedBy: "subscription/removed" }, of: (quotas) => quotas.subscriptions },
  workers: (ports, settings) => {
    const outbound = settings.outbound ?? createOutboundFetch(createOutboundPolicy({ allowLocal: false }));
    const secrets = settings.secrets ?? plainSecrets(ports.secrets);
    return (project, path, config) => createSubscriptionDelivery({ ports, project, path, config, outbound, secrets });
  },
  describeAs: "subscriptions",
  describeEntry: (entry, running, cursor) => ({
    slug: entry.slug,
    url: entry.url,
    types: entry.types ?? null,
    filter: entry.filter ?? null,
    // Header values may hold tokens: show only their names.
    headerNames: Object.keys(entry.headers ?? {}),
    secretName: entry.secretName ?? null,
    configuredAtOffset: entry.configuredOffset,
    cursor,
    failing: running?.status() ?? null,
  }),
});
