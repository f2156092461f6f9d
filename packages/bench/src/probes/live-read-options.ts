/**
 * The stream writer's options for the probes' live SSE readers (`live-store-server.ts`,
 * `live-publish-ab.ts`): a live read of one stream after `afterOffset`, with the server's default page
 * and filter window and a reader buffer large enough that no probe reader is disconnected.
 *
 * @example
 * writeStream(res, liveReadOptions({ store, hub, logger, project: "default", path: "/probe/live", afterOffset: 0 }));
 */
export function liveReadOptions<Parts extends object>(parts: Parts & { project: string; path: string; afterOffset: number }) {
  return {
    ...parts,
    format: "sse" as const,
    beforeOffset: Number.POSITIVE_INFINITY,
    live: true,
    filterScanWindow: 10_000,
    maxBufferedBytes: 64 * 1024 * 1024,
    pageSize: 1000,
  };
}
