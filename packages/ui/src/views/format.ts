/** "14:03:27" for today, "May 1, 14:03" otherwise; the full ISO time goes in a title attribute. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** "5 s", "2 min", "1.5 h". */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${+(seconds / 60).toFixed(1)} min`;
  return `${+(seconds / 3600).toFixed(1)} h`;
}

/** The JSON of a value on one line, cut to `max` characters. */
export function oneLine(value: unknown, max = 160): string {
  const json = JSON.stringify(value) ?? "";
  return json.length > max ? `${json.slice(0, max - 1)}…` : json;
}
