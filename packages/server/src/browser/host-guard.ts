import { TributaryError } from "@tributary/protocol";
import type { AppContext } from "../context.ts";
import { isLoopbackHost } from "./loopback-host.ts";

/** The host name of a `Host` header (`[::1]:4000` → `[::1]`, `localhost:4000` → `localhost`). */
function hostNameOf(header: string): string {
  const bracket = header.startsWith("[") ? header.indexOf("]") : -1;
  if (bracket > 0) return header.slice(0, bracket + 1);
  const colon = header.lastIndexOf(":");
  return colon >= 0 ? header.slice(0, colon) : header;
}

/**
 * On a server bound to a loopback address, refuses requests whose `Host` is neither a loopback name nor
 * the bound host. That is what DNS rebinding looks like: a web page on `evil.example` re-points its own
 * name at 127.0.0.1 and then reads this server as if it were its own origin. The request still reaches
 * us, but it says `Host: evil.example`. Servers on other addresses can be reached under any name, so
 * they are not checked here (they need `--auth`).
 *
 * A check (see security.ts), which throws the refusal.
 *
 * @example
 * const check = hostGuard("127.0.0.1", ["tributary.test"]);
 */
export function hostGuard(boundHost: string, extraHosts: readonly string[] = []): (c: AppContext) => void {
  const bound = boundHost.toLowerCase();
  const extra = new Set(extraHosts.map((host) => host.toLowerCase()));
  // Host headers already judged allowed (a client sends the same one on every request).
  const allowed = new Set<string>();
  return (c) => {
    const header = c.req.header("host");
    if (header !== undefined && !allowed.has(header)) {
      const name = hostNameOf(header.toLowerCase());
      const bare = name.replace(/^\[(.*)\]$/, "$1");
      if (!isLoopbackHost(name) && bare !== bound && !extra.has(bare)) {
        throw new TributaryError(
          "host_not_allowed",
          `This server answers only to loopback names (localhost, 127.0.0.1, [::1]); the request named ${JSON.stringify(header)}.`,
        );
      }
      if (allowed.size < 64) allowed.add(header);
    }
  };
}
