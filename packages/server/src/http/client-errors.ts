import { maxHeaderSize, type Server } from "node:http";
import type { Socket } from "node:net";
import { maxStreamPathLength, TributaryError } from "@tributary/protocol";
import type { Logger } from "../logger.ts";

/**
 * Answers requests that Node's HTTP parser refuses before any route runs (a request line or headers over
 * its size limit, bytes that are not HTTP) with the same JSON error body as every other error, instead
 * of Node's bare status line. Only that connection is closed; the server goes on serving the others.
 *
 * @example
 * answerClientErrors(server, logger);
 */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
    const refusal = tooLarge
      ? new TributaryError(
          "request_too_large",
          `The request's URL and headers are larger than ${maxHeaderSize} bytes; shorten the URL (stream paths are at most ${maxStreamPathLength} characters) or the headers.`,
        )
      : new TributaryError("invalid_request", `The request is not valid HTTP (${error.code ?? error.message}); check the request line and headers.`);
    logger.debug("refused a malformed request", { code: error.code });
    const body = JSON.stringify(refusal.toBody());
    socket.end(
      `HTTP/1.1 ${refusal.status} ${tooLarge ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
        `content-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
