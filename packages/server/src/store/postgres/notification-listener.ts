import pg from "pg";
import type { Logger } from "../../logger.ts";

/**
 * Keeps one LISTEN connection open for as long as the store lives: when PostgreSQL restarts or the
 * backend is killed (`pg_terminate_backend`), it reconnects with exponential backoff (0.1 s doubling to
 * 5 s) and calls `onConnected` after every (re)connect, so the caller re-reads whatever it missed while
 * no notification could arrive. Notifications are only a wake-up: nothing is lost when one is.
 *
 * @example
 * const listener = createNotificationListener({ connectionString, channel: "c", onNotify, onConnected, logger });
 * await listener.close();
 */
export function createNotificationListener(options: {
  connectionString: string;
  channel: string;
  onNotify: (payload: string) => void;
  onConnected: () => void;
  logger: Logger;
}) {
  let client: pg.Client | undefined;
  let closed = false;
  let connected = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  function scheduleReconnect() {
    if (closed || retry) return;
    const delay = Math.min(100 * 2 ** failures, 5000);
    failures += 1;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const next = new pg.Client({
      connectionString: options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: 5000,
    });
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (client === next) client = undefined;
      if (connected && !closed) options.logger.warn("lost the PostgreSQL LISTEN connection; reconnecting", { error: String(error ?? "ended") });
      connected = false;
      void next.end().catch(() => undefined);
      scheduleReconnect();
    };
    next.on("error", drop);
    next.on("end", () => drop());
    next.on("notification", (message) => options.onNotify(message.payload ?? ""));
    try {
      await next.connect();
      await next.query(`LISTEN ${options.channel}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    if (failures > 0)
      options.logger.info("the PostgreSQL LISTEN connection is back", {
        attempts: failures,
      });
    failures = 0;
    connected = true;
    options.onConnected();
  }

  return {
    /** Resolves after the first attempt (connected or not); later attempts run in the background. */
    start: () => connect(),
    connected: () => connected,
    async close(): Promise<void> {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
