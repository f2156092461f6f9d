import type { FeedKind } from "./feed-kind.ts";
import { agentConfigKind } from "./kinds/agent-config.ts";
import { agentControlKind } from "./kinds/agent-control.ts";
import { agentInputKind } from "./kinds/agent-input.ts";
import { agentReplyKind } from "./kinds/agent-reply.ts";
import { agentRunKind } from "./kinds/agent-run.ts";
import { agentToolKind } from "./kinds/agent-tool.ts";
import { agentToolsKind } from "./kinds/agent-tools.ts";
import { agentMcpKind } from "./kinds/agent-mcp.ts";
import { errorKind } from "./kinds/error.ts";
import { processorKind } from "./kinds/processor.ts";
import { processorStatusKind } from "./kinds/processor-status.ts";
import { rawKind } from "./kinds/raw.ts";
import { scheduleKind } from "./kinds/schedule.ts";
import { streamNoticeKind } from "./kinds/stream-notice.ts";
import { subscriptionKind } from "./kinds/subscription.ts";
import { transformerKind } from "./kinds/transformer.ts";

/**
 * Every kind of feed item, in the order they are asked; the raw kind is the fallback and comes last.
 * To draw a new event family: write a kind with `defineFeedKind` in kinds/ and list it here.
 */
export const feedKinds: readonly FeedKind[] = [
  agentInputKind,
  agentReplyKind,
  agentToolKind,
  agentToolsKind,
  agentMcpKind,
  agentConfigKind,
  agentRunKind,
  agentControlKind,
  errorKind,
  streamNoticeKind,
  scheduleKind,
  subscriptionKind,
  transformerKind,
  processorKind,
  processorStatusKind,
  rawKind,
];
