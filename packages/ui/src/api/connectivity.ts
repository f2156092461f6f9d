export type ConnectivityListener = (online: boolean) => void;

/**
 * Whether the server answers. Any request that fails at the network level marks it offline; then it asks
 * `GET /api/health` every `retryMs` until the server answers again and tells its listeners, which reload
 * what they show. Live tails report their state here too.
 *
 * @example
 * const connectivity = createConnectivity(location.origin);
 * connectivity.subscribe((online) => banner.hidden = online);
 */
export function createConnectivity(origin: string, retryMs = 1000) {
  let online = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<ConnectivityListener>();

  const set = (next: boolean) => {
    if (next === online) return;
    online = next;
    for (const listener of listeners) listener(online);
  };

  async function probe(): Promise<void> {
    timer = undefined;
    try {
      const response = await fetch(`${origin}/api/health`, { cache: "no-store" });
      if (response.ok) return set(true);
    } catch {
      // still away
    }
    timer = setTimeout(() => void probe(), retryMs);
  }

  return {
    get online() {
      return online;
    },
    /** A request failed at the network level (no answer at all). */
    failed() {
      set(false);
      if (timer === undefined) timer = setTimeout(() => void probe(), retryMs);
    },
    subscribe(listener: ConnectivityListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Connectivity = ReturnType<typeof createConnectivity>;
