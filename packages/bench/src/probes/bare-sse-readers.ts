/**
 * For the fan-out probes: a bare node:http SSE server (no Tributary code) with `readerCount` live readers
 * connected from the bench's reader process (`fan-out-readers.ts`), so a probe can time ways of writing
 * frames to them.
 *
 * @example
 * const bare = await startBareSseReaders(1000);
 * for (const res of bare.readers) res.write(frame);
 * const { complete } = await bare.finish(events, 10_000);
 * await bare.close();
 */
import { spawn } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const readersScript = fileURLToPath(new URL("../fan-out-readers.ts", import.meta.url));

/** What the reader process reports when told to finish (see fan-out-readers.ts). */
export interface ReadersResult {
  complete: number;
  cpuMs: number;
  latency: { p50: number; p99: number };
}

export async function startBareSseReaders(readerCount: number) {
  const readers = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.flushHeaders();
    readers.add(res);
    req.on("close", () => readers.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = spawn(process.execPath, [readersScript], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const next = (type: string) => new Promise<unknown>((resolve) => child.on("message", (m: { type: string }) => m.type === type && resolve(m)));
  const ready = next("ready");
  child.send({ type: "open", url, path: "/s", readers: readerCount });
  await ready;
  return {
    readers,
    /** Tells the readers `expected` events were sent and waits for their figures. */
    async finish(expected: number, timeoutMs: number): Promise<ReadersResult> {
      const result = next("result");
      child.send({ type: "finish", expected, timeoutMs });
      return (await result) as ReadersResult;
    },
    async close(): Promise<void> {
      for (const res of readers) res.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      child.kill();
    },
  };
}
