import type { FeedKind } from "./feed-kind.ts";
import { chatKind } from "./kinds/chat.ts";
import { errorKind } from "./kinds/error.ts";
import { processorKind } from "./kinds/processor.ts";
import { rawKind } from "./kinds/raw.ts";
import { scheduleKind } from "./kinds/schedule.ts";
import { streamNoticeKind } from "./kinds/stream-notice.ts";
import { subscriptionKind } from "./kinds/subscription.ts";
import { transformerKind } from "./kinds/transformer.ts";

/** Every kind of feed item, in the order they are asked; the raw kind is the fallback and comes last. */
export const feedKinds: readonly FeedKind[] = [
  chatKind,
  errorKind,
  streamNoticeKind,
  scheduleKind,
  subscriptionKind,
  transformerKind,
  processorKind,
  rawKind,
];
