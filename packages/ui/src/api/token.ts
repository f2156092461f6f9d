const storageKey = "tributary-token";
let asking: Promise<string | undefined> | undefined;

/** The token this browser keeps for the server (`--auth`), if any. */
export function savedToken(): string | undefined {
  return localStorage.getItem(storageKey) ?? undefined;
}

/**
 * Asks the user for a token once, however many requests were refused at the same moment, and keeps it
 * for the next visits. Resolves undefined when the user declines.
 */
export function askForToken(message: string): Promise<string | undefined> {
  asking ??= Promise.resolve().then(() => {
    const given = prompt(`${message}\n\nThis server requires a token (tributary token create …). Paste it here:`)?.trim();
    if (given) localStorage.setItem(storageKey, given);
    asking = undefined;
    return given || undefined;
  });
  return asking;
}
