import type { StreamPath } from "@tributary/protocol";

/**
 * Event-type namespaces whose streams the store marks (guarantee 8 of `StreamStore`), so the built-ins
 * that must work without waiting for a stream to be touched (scheduler, webhooks, transformers, hosted
 * processors) can find their streams when a server starts.
 */
export const markedNamespaces = ["schedule", "subscription", "transformer", "processor"] as const;

export type MarkedNamespace = (typeof markedNamespaces)[number];

/** The marked namespace of an event type (`schedule/configured` → `schedule`), if any. */
export function markedNamespaceOf(type: string): MarkedNamespace | undefined {
  const slash = type.indexOf("/");
  if (slash < 0) return undefined;
  const namespace = type.slice(0, slash);
  return (markedNamespaces as readonly string[]).includes(namespace) ? (namespace as MarkedNamespace) : undefined;
}

export interface MarkedStream {
  project: string;
  path: StreamPath;
}

/** The marks port: which streams hold configuration a built-in must resume on start. */
export interface MarkStore {
  /** Streams marked for a namespace, in every project. */
  listMarkedStreams(namespace: string): Promise<MarkedStream[]>;
  /** Removes a stream's mark, unless an event of the namespace newer than `throughOffset` marked it since. */
  unmarkStream(project: string, path: StreamPath, namespace: string, throughOffset: number): Promise<void>;
}
