import type { StoredEvent } from "@tributary/protocol";

export interface TransformerEntry {
  slug: string;
  matcher: string;
  transform: string;
  /** Only events after this offset are transformed: the event that first configured the slug. */
  startAfter: number;
  configuredOffset: number;
}

export interface TransformersState {
  transformers: Record<string, TransformerEntry>;
  lastConfigOffset: number;
}

export const initialTransformersState: TransformersState = { transformers: {}, lastConfigOffset: 0 };

/** Folds one event into the transformers. Pure and total. */
export function reduceTransformers(state: TransformersState, event: StoredEvent): TransformersState {
  if (event.type === "transformer/configured") {
    const { slug, matcher, transform } = event.payload;
    if (typeof slug !== "string" || typeof matcher !== "string" || typeof transform !== "string") return state;
    const startAfter = state.transformers[slug]?.startAfter ?? event.offset;
    return {
      transformers: { ...state.transformers, [slug]: { slug, matcher, transform, startAfter, configuredOffset: event.offset } },
      lastConfigOffset: event.offset,
    };
  }
  if (event.type === "transformer/removed") {
    const { [String(event.payload.slug)]: _removed, ...rest } = state.transformers;
    return { transformers: rest, lastConfigOffset: event.offset };
  }
  return state;
}

/** The marker every output carries in `metadata.transformedBy`. */
export interface TransformedBy {
  slug: string;
  sourceOffset: number;
  /** How many transformers produced this event in a chain: 1 for an output of an ordinary event. */
  depth: number;
}

export function transformedBy(event: { metadata?: Record<string, unknown> }): TransformedBy | undefined {
  const marker = event.metadata?.transformedBy as Partial<TransformedBy> | undefined;
  if (!marker || typeof marker.slug !== "string" || typeof marker.depth !== "number") return undefined;
  return marker as TransformedBy;
}
