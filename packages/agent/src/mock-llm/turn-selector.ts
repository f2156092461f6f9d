import type { MockReply, MockScript, MockTurn } from "./mock-script.ts";
import type { RequestSummary } from "./summarize-request.ts";

/** Tests a text against a script pattern: a substring, or `/regex/flags`. */
export function matchesPattern(pattern: string, text: string): boolean {
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (regex) return new RegExp(regex[1]!, regex[2]).test(text);
  return text.includes(pattern);
}

function matches(turn: MockTurn, request: RequestSummary): boolean {
  const match = turn.match;
  if (match === undefined) return true;
  if (typeof match === "string") return matchesPattern(match, request.lastUser);
  if (match.user !== undefined && !matchesPattern(match.user, request.lastUser)) return false;
  if (match.last !== undefined && !matchesPattern(match.last, request.lastMessage)) return false;
  if (match.system !== undefined && !matchesPattern(match.system, request.system)) return false;
  if (match.model !== undefined && !matchesPattern(match.model, request.model)) return false;
  if (match.tool !== undefined && !request.tools.includes(match.tool)) return false;
  return true;
}

export interface TurnChoice {
  /** Index of the turn in the script, or -1 for the fallback. */
  index: number;
  reply: MockReply;
}

/**
 * Chooses script turns for requests. Rules:
 * 1. A turn with a `match` that matches the request wins over turns without one (specific beats generic);
 *    among those, the first in the script.
 * 2. Otherwise the first turn without a `match` that still has uses left: turns play in order.
 * 3. A turn answers `times` requests (default 1), or any number with `repeat: true`.
 * 4. When nothing is left, the script's `fallback`; without one, `undefined` (the server answers 500).
 */
export function createTurnSelector(script: MockScript) {
  const used = script.turns.map(() => 0);
  const available = (turn: MockTurn, index: number) => turn.repeat === true || used[index]! < (turn.times ?? 1);
  return {
    select(request: RequestSummary): TurnChoice | undefined {
      let index = script.turns.findIndex((turn, i) => turn.match !== undefined && available(turn, i) && matches(turn, request));
      if (index < 0) index = script.turns.findIndex((turn, i) => turn.match === undefined && available(turn, i));
      if (index < 0) return script.fallback ? { index: -1, reply: script.fallback } : undefined;
      used[index]! += 1;
      return { index, reply: script.turns[index]! };
    },
    /** How many turns still have uses left (repeating turns count as one). */
    remaining(): number {
      return script.turns.filter((turn, i) => available(turn, i)).length;
    },
  };
}
