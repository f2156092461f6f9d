import { Agent, request } from "node:http";

export interface HttpResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpClient {
  post(path: string, body: string): Promise<HttpResponse>;
  /** A PUT with a JSON body (the Durable Streams face's create). */
  put(path: string, body: string): Promise<HttpResponse>;
  get(path: string): Promise<HttpResponse>;
  close(): void;
}

/**
 * A minimal keep-alive HTTP/1.1 client on node:http, so the load generator spends as little of the
 * shared CPU as it can: no fetch/WHATWG streams layer, one socket per concurrent request.
 *
 * @example
 * const http = createHttpClient("http://127.0.0.1:4000", { connections: 32 });
 * const { status } = await http.post("/api/streams/a", '{"type":"x"}');
 * http.close();
 */
export function createHttpClient(baseUrl: string, options: { connections: number }): HttpClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });

  function send(method: string, path: string, body?: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const req = request({ host: url.hostname, port: url.port, method, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  return {
    post: (path, body) => send("POST", path, body),
    put: (path, body) => send("PUT", path, body),
    get: (path) => send("GET", path),
    close: () => agent.destroy(),
  };
}

/** Throws unless an append answered 201 (or 200 for an idempotent replay). */
export function expectAppended(response: HttpResponse): void {
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`append answered ${response.status}: ${response.body.slice(0, 300)}`);
  }
}
