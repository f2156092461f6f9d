/**
 * Collects output up to `limit` characters: the first half and the last half are kept, the middle is
 * dropped and counted, so a huge output costs bounded memory and the model still sees how it began and ended.
 */
export function createOutputLimit(limit: number) {
  const half = Math.max(1, Math.floor(limit / 2));
  let head = "";
  let tail = "";
  let omitted = 0;
  return {
    add(text: string) {
      if (head.length < half) {
        const room = half - head.length;
        head += text.slice(0, room);
        text = text.slice(room);
      }
      if (text === "") return;
      tail += text;
      if (tail.length > half) {
        omitted += tail.length - half;
        tail = tail.slice(tail.length - half);
      }
    },
    text(): string {
      return omitted > 0 ? `${head}\n[… ${omitted} characters omitted …]\n${tail}` : head + tail;
    },
    truncated: () => omitted > 0,
  };
}
