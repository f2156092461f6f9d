import type { StoredEvent } from "@tributary/protocol";

export interface Deployment {
  slug: string;
  script: string;
  /** The `processor/deployed` offset: a redeploy starts a new runner with its state rebuilt. */
  startAfter: number;
  configuredOffset: number;
  /**
   * The latest `processor/snapshotted` of this deployment: `offset`, the last event its state reduced;
   * `at`, the snapshot event's own offset (where the runner reads the state).
   */
  snapshot?: { offset: number; at: number };
  /** Set by `processor/suspended`; cleared by the next deploy. */
  suspended?: { reason: string; offset: number };
}

export interface HostedState {
  deployments: Record<string, Deployment>;
  lastConfigOffset: number;
}

export const initialHostedState: HostedState = { deployments: {}, lastConfigOffset: 0 };

/** Folds the deployments of a stream. Pure and total. */
export function reduceHosted(state: HostedState, event: StoredEvent): HostedState {
  if (event.type === "processor/deployed") {
    const { slug, script } = event.payload;
    if (typeof slug !== "string" || typeof script !== "string") return state;
    return {
      deployments: { ...state.deployments, [slug]: { slug, script, startAfter: event.offset, configuredOffset: event.offset } },
      lastConfigOffset: event.offset,
    };
  }
  if (event.type === "processor/removed") {
    const { [String(event.payload.slug)]: _removed, ...rest } = state.deployments;
    return { deployments: rest, lastConfigOffset: event.offset };
  }
  if (event.type === "processor/snapshotted") {
    const deployment = state.deployments[String(event.payload.slug)];
    const offset = event.payload.offset;
    if (!deployment || event.payload.deployedOffset !== deployment.configuredOffset || typeof offset !== "number") return state;
    if (deployment.snapshot && deployment.snapshot.offset >= offset) return state;
    return { ...state, deployments: { ...state.deployments, [deployment.slug]: { ...deployment, snapshot: { offset, at: event.offset } } } };
  }
  if (event.type === "processor/suspended") {
    const deployment = state.deployments[String(event.payload.slug)];
    if (!deployment || deployment.suspended) return state;
    const suspended = { reason: String(event.payload.reason), offset: event.offset };
    return { ...state, deployments: { ...state.deployments, [deployment.slug]: { ...deployment, suspended } } };
  }
  return state;
}

/** True for the events the server appends about a hosted processor: it never handles those of its own slug. */
export function isDiagnosticFor(event: StoredEvent, slug: string): boolean {
  if (
    event.type === "processor/logged" ||
    event.type === "processor/started" ||
    event.type === "processor/suspended" ||
    event.type === "processor/snapshotted"
  ) {
    return event.payload.slug === slug;
  }
  return event.type === "stream/error-occurred" && event.payload.processor === slug;
}
