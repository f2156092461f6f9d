import type { StoredEvent } from "@tributary/protocol";

/** A push subscription as configured by `subscription/configured`. */
export interface SubscriptionConfig {
  slug: string;
  url: string;
  types?: string[];
  filter?: string;
  headers?: Record<string, string>;
  secretName?: string;
}

export interface SubscriptionEntry extends SubscriptionConfig {
  /** Deliveries start after this offset: the event that first created the subscription (a reconfigure keeps it). */
  startAfter: number;
  configuredOffset: number;
}

export interface SubscriptionsState {
  subscriptions: Record<string, SubscriptionEntry>;
  /** The offset of the last `subscription/configured` or `subscription/removed` (for the store's mark). */
  lastConfigOffset: number;
}

export const initialSubscriptionsState: SubscriptionsState = { subscriptions: {}, lastConfigOffset: 0 };

/** Folds one event into the subscriptions. Pure and total. */
export function reduceSubscriptions(state: SubscriptionsState, event: StoredEvent): SubscriptionsState {
  if (event.type === "subscription/configured") {
    const { slug, url, types, filter, headers, secretName } = event.payload as Partial<SubscriptionConfig>;
    if (typeof slug !== "string" || typeof url !== "string") return state;
    const previous = state.subscriptions[slug];
    const entry: SubscriptionEntry = { slug, url, startAfter: previous?.startAfter ?? event.offset, configuredOffset: event.offset };
    if (Array.isArray(types)) entry.types = types.map(String);
    if (typeof filter === "string") entry.filter = filter;
    if (headers && typeof headers === "object") entry.headers = headers;
    if (typeof secretName === "string") entry.secretName = secretName;
    return { subscriptions: { ...state.subscriptions, [slug]: entry }, lastConfigOffset: event.offset };
  }
  if (event.type === "subscription/removed") {
    const { [String(event.payload.slug)]: _removed, ...rest } = state.subscriptions;
    return { subscriptions: rest, lastConfigOffset: event.offset };
  }
  return state;
}
