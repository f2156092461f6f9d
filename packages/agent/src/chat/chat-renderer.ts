import type { StoredEvent } from "@tributary/protocol";

export interface ChatRendererOptions {
  /** ANSI colors (for a terminal). */
  color?: boolean;
  /** Inputs whose `metadata.chatSession` is this were typed here: they are not echoed again. */
  session?: string;
  /**
   * The chat's stream: an event of a stream below it (a sub-agent's approval request) is labelled with
   * the path relative to it (`helper: shell …`).
   */
  path?: string;
}

/** `helper: ` for an event of `<path>/helper`; nothing for the chat's own stream. */
export function subStreamLabel(path: string | undefined, streamPath: string): string {
  if (path === undefined || streamPath === path || !streamPath.startsWith(`${path}/`)) return "";
  return `${streamPath.slice(path.length + 1)}: `;
}

/** A text on one line: its non-empty lines joined with ⏎, cut at `max` characters. */
const oneLine = (text: string, max = 160) => {
  const joined = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .join(" ⏎ ");
  return joined.length > max ? `${joined.slice(0, max)}…` : joined;
};

/**
 * Turns agent events into terminal text: streamed answers as they arrive, tool calls and results as one
 * line each, failures and cancellations as notes. Stateful only in knowing whether an answer line is open.
 *
 * @example
 * const renderer = createChatRenderer({ color: process.stdout.isTTY });
 * for await (const event of client.stream({ path, live: true })) process.stdout.write(renderer.render(event));
 */
export function createChatRenderer(options: ChatRendererOptions = {}) {
  const paint = (code: string, text: string) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const dim = (text: string) => paint("2", text);
  const red = (text: string) => paint("31", text);
  let open: string | undefined; // the request whose answer line is being written
  const close = () => {
    const out = open !== undefined ? "\n" : "";
    open = undefined;
    return out;
  };
  const note = (text: string) => `${close()}${text}\n`;
  const label = (event: StoredEvent) => subStreamLabel(options.path, event.streamPath);

  return {
    /** A line of the chat's own (a note, a queued input), on a line of its own even mid-answer. */
    note,
    render(event: StoredEvent): string {
      const p = event.payload as Record<string, unknown>;
      switch (event.type) {
        case "agent-input-added":
          if (options.session !== undefined && event.metadata?.chatSession === options.session) return "";
          return note(`${paint("1", ">")} ${String(p.content)}`);
        case "agent-output-chunk-received": {
          if (typeof p.text !== "string" || p.text === "") return "";
          const prefix = open === p.requestId ? "" : `${close()}${paint("36", "agent:")} `;
          open = String(p.requestId);
          return prefix + p.text;
        }
        case "agent-output-completed": {
          // Normally the chunks already showed the text; a provider that does not stream shows it here.
          const unseen = open !== p.requestId && typeof p.text === "string" && p.text !== "";
          let out = unseen ? `${close()}${paint("36", "agent:")} ${String(p.text)}\n` : close();
          for (const call of (p.toolCalls as { name: string; arguments: string }[]) ?? [])
            out += dim(`  ⚙ ${call.name} ${oneLine(call.arguments, 200)}`) + "\n";
          return out;
        }
        case "agent-tool-call-approval-requested":
          return note(
            paint(
              "33",
              `  ? ${label(event)}${String(p.name)} ${oneLine(String(p.arguments), 200)} waits for approval: y runs it, n denies it (n <reason>: the model reads why)`,
            ),
          );
        case "agent-tool-call-approved":
          return note(dim(`  ✓ ${label(event)}approved${p.by ? ` by ${String(p.by)}` : ""}`));
        case "agent-tool-call-denied":
          return note(red(`  ✗ ${label(event)}denied${p.by ? ` by ${String(p.by)}` : ""}${p.reason ? `: ${String(p.reason)}` : ""}`));
        case "agent-tool-call-completed":
          return note(p.isError ? red(`  ↳ ✗ ${oneLine(String(p.output))}`) : dim(`  ↳ ${oneLine(String(p.output))}`));
        case "agent-request-failed":
          return note(red(`  ✗ the model request failed: ${String(p.message)}`));
        case "agent-request-cancelled":
          return note(dim(`  ⏹ cancelled: ${String(p.reason)}`));
        case "agent-input-queued":
          return note(dim("  (queued: it runs when the current answer is done)"));
        case "agent-context-added":
          return note(dim(`  + context${p.source ? ` from ${String(p.source)}` : ""}`));
        case "agent-history-compacted":
          return note(dim("  (older turns were compacted into a summary)"));
        case "agent-run-ended":
          if (p.outcome === "turn-limit") return note(red(`  ✗ ${String(p.text ?? "stopped at the turn limit")}`));
          if (p.outcome === "stopped") return note(dim("  ⏹ stopped"));
          return close();
        case "agent-input-steered":
          return note(dim("  (steering: it joins the answer at its next tool round)"));
        case "agent-request-retried":
          return note(dim(`  ↻ retrying in ${String(p.delayMs)} ms: ${oneLine(String(p.error))}`));
        case "stream/error-occurred":
          return note(red(`  ✗ ${String(p.message)}`));
        case "stream/paused":
          return note(red(`  ⏸ the stream is paused: ${String(p.reason)}`));
        default:
          return "";
      }
    },
  };
}
