/**
 * Probe (not part of `npm run bench`): the append → live reader round trip cut into its hops across the
 * client and server processes, on the clock they share (`process.hrtime`, CLOCK_MONOTONIC): the client's
 * socket write of the append → the server's `request` event → the server's socket write of the reader's
 * frame → the reader's `data` event in the client. Loaded through NODE_OPTIONS into the probe and its
 * server children (the server side is the process with BENCH_DATA_DIR); each writes its timestamps under
 * LIVE_HOPS_OUT, and running this file with that prefix joins them (one line per server run, medians after
 * the warm-up):
 *
 * LIVE_HOPS_OUT=/tmp/hops/r NODE_OPTIONS="--conditions=tributary-source --import ./packages/bench/src/probes/live-hops-preload.mjs" \
 *   node packages/bench/src/probes/live-ab.ts [other checkout] 2 1500
 * node packages/bench/src/probes/live-hops-preload.mjs /tmp/hops/r
 *
 * The client's own time before its socket write (building the request after `performance.now()`) is the
 * difference between live-ab's p50 and the total printed here.
 */
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const out = process.env.LIVE_HOPS_OUT;
const microseconds = () => Number(process.hrtime.bigint()) / 1000;
const markerOf = (text) => {
  const match = /"rt":(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
};
const textOf = (chunk) =>
  typeof chunk === "string" ? chunk.slice(0, 600) : Buffer.isBuffer(chunk) ? chunk.toString("latin1", 0, Math.min(chunk.length, 600)) : "";

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  join(process.argv[2]);
} else if (out && process.env.BENCH_DATA_DIR) {
  // The server: when each append's request event came, and when its frame was written to the reader.
  const rows = [];
  let request;
  let written = true;
  const serverEmit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, ...rest) {
    if (event === "request" && req.method === "POST") {
      request = microseconds();
      written = false;
    }
    return serverEmit.call(this, event, req, ...rest);
  };
  const socketWrite = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    if (!written) {
      const text = textOf(chunk);
      const marker = text.startsWith("HTTP") ? undefined : markerOf(text);
      if (marker !== undefined) {
        written = true;
        rows.push([marker, request, microseconds()]);
      }
    }
    return socketWrite.call(this, chunk, ...rest);
  };
  process.on("exit", () => writeFileSync(`${out}.server.${process.pid}`, JSON.stringify(rows)));
} else if (out) {
  // The client: each append's socket write and its frame's arrival at the reader, one line per run.
  const sends = new Map();
  const arrivals = new Map();
  let last = -1;
  const flush = () => {
    appendFileSync(`${out}.client`, `${JSON.stringify({ sends: [...sends], arrivals: [...arrivals] })}\n`);
    sends.clear();
    arrivals.clear();
  };
  const socketWrite = net.Socket.prototype.write;
  net.Socket.prototype.write = function (chunk, ...rest) {
    const text = textOf(chunk);
    const marker = text.startsWith("POST") ? markerOf(text) : undefined;
    if (marker !== undefined) {
      if (marker < last) flush();
      last = marker;
      sends.set(marker, microseconds());
    }
    return socketWrite.call(this, chunk, ...rest);
  };
  const messageEmit = http.IncomingMessage.prototype.emit;
  http.IncomingMessage.prototype.emit = function (event, chunk, ...rest) {
    if (event === "data" && chunk) {
      const text = textOf(chunk);
      // An append's answer is the stored envelope (`{"…`); a reader's data is SSE frames.
      const marker = text.startsWith('{"') ? undefined : markerOf(text);
      if (marker !== undefined && !arrivals.has(marker)) arrivals.set(marker, microseconds());
    }
    return messageEmit.call(this, event, chunk, ...rest);
  };
  process.on("exit", () => {
    if (sends.size > 0) flush();
  });
}

function join(prefix) {
  const runs = readFileSync(`${prefix}.client`, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  const median = (values) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    return sorted.length === 0 ? "-" : sorted[sorted.length >> 1].toFixed(1);
  };
  const files = readdirSync(dirname(prefix)).filter((name) => name.startsWith(`${basename(prefix)}.server.`));
  for (const name of files) {
    const rows = JSON.parse(readFileSync(`${dirname(prefix)}/${name}`, "utf8"));
    if (rows.length === 0) continue;
    // The client run whose first append was sent just before this server's first request.
    const run = runs.find((candidate) => {
      const sent = new Map(candidate.sends).get(rows[0][0]);
      return sent !== undefined && Math.abs(sent - rows[0][1]) < 5000;
    });
    if (!run) continue;
    const sends = new Map(run.sends);
    const arrivals = new Map(run.arrivals);
    const hops = { toServer: [], inServer: [], toReader: [], total: [] };
    for (const [marker, request, written] of rows) {
      const sent = sends.get(marker);
      const arrived = arrivals.get(marker);
      // The first tenth is live-ab's warm-up (150 of 1,650 by default).
      if (sent === undefined || arrived === undefined || marker < rows.length / 11) continue;
      hops.toServer.push(request - sent);
      hops.inServer.push(written - request);
      hops.toReader.push(arrived - written);
      hops.total.push(arrived - sent);
    }
    console.log(
      `${name}: ${hops.total.length} round trips, medians in µs: socket write -> arrival ${median(hops.total)} = ` +
        `to the server's request event ${median(hops.toServer)} + to the reader's socket write ${median(hops.inServer)} + to the reader's data event ${median(hops.toReader)}`,
    );
  }
}
