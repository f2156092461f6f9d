/**
 * Preloaded into a test's server process (`node --import`): prints one line to stdout when the server
 * starts handling a request and one when a response is finished (all its bytes handed to the socket),
 * in the order the server did them, from Node's own `diagnostics_channel` events. A test reads the order
 * back from the child's output (`requestOrder`), so it can assert what the server did first without
 * measuring time.
 */
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";

const line = (what: string, request: IncomingMessage) => process.stdout.write(`request-order ${what} ${request.method} ${request.url}\n`);
subscribe("http.server.request.start", (message) => line("start", (message as { request: IncomingMessage }).request));
subscribe("http.server.response.finish", (message) => line("finish", (message as { request: IncomingMessage }).request));
