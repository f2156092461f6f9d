import { setFlagsFromString } from "node:v8";

let applied = false;

/**
 * V8 settings the server applies to its process once, when it starts.
 *
 * `--external-memory-accounted-in-global-limit`: memory outside the V8 heap (each catch-up page is a
 * ~200 KB buffer from node:sqlite, a gigabyte over five 200,000-event reads) counts towards the heap's
 * own growing limit instead of V8's separate external limit, which starts a full GC every 64 MB of such
 * buffers. A catch-up that yields a turn of the event loop per page (read-fairness.e2e) let those GCs
 * finish promptly on tasks, about twice as many of them, and the marking on V8's worker threads cost SSE
 * catch-up ~0.2 µs an event (packages/bench/README.md, "Where the time goes"). The flag is V8's, and
 * process-wide: an embedder's own code in the process gets it too.
 */
export function applyV8Settings(): void {
  if (applied) return;
  applied = true;
  // V8 has the flag from version 13 (Node 24); an older one (Node 22's 12.4) would print "unrecognized
  // flag" on every start, so there the server runs without it.
  if (Number(process.versions.v8.split(".")[0]) >= 13) setFlagsFromString("--external-memory-accounted-in-global-limit");
}
