import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer, type ServerOptions } from "./server.ts";

export interface TestServer extends RunningServer {
  dataDir: string;
}

/**
 * Starts a real server on a free port with a real SQLite file in a fresh temporary directory.
 * `close()` stops it and removes the directory (unless `keepDataDir`).
 *
 * @example
 * const server = await startTestServer();
 * await fetch(`${server.url}/api/streams/a`, { method: "POST", body: '{"type":"x"}' });
 * await server.close();
 */
export async function startTestServer(options: ServerOptions & { keepDataDir?: boolean } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "tributary-test-"));
  const server = await startServer({ logLevel: "warn", ...options, port: options.port ?? 0, dataDir });
  return {
    ...server,
    dataDir,
    async close() {
      await server.close();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
