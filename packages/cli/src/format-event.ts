import type { StoredEvent } from "@tributary/protocol";

const paint = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string) => text;

/**
 * One event as a readable line: offset, local time, type, compact payload; the stream path too when
 * tailing several streams. Colours only when `color` is set (a terminal, no NO_COLOR).
 *
 * @example
 * formatEvent(event, { color: false }) // "#3  14:03:22.511  ping  {\"n\":1}"
 */
export function formatEvent(event: StoredEvent, options: { color: boolean; showPath?: boolean }): string {
  const dim = options.color ? paint(2) : plain;
  const bold = options.color ? paint(1) : plain;
  const cyan = options.color ? paint(36) : plain;
  const time = new Date(event.createdAt);
  const clock = Number.isNaN(time.getTime()) ? event.createdAt : `${time.toTimeString().slice(0, 8)}.${String(time.getMilliseconds()).padStart(3, "0")}`;
  const payload = Object.keys(event.payload ?? {}).length > 0 ? `  ${JSON.stringify(event.payload)}` : "";
  const path = options.showPath ? `${cyan(event.streamPath)}  ` : "";
  return `${dim(`#${event.offset}`.padEnd(6))} ${dim(clock)}  ${path}${bold(event.type)}${payload}`;
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
}
