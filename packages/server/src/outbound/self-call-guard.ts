import { TributaryError } from "@tributary/protocol";
import { projectOf, type AppContext } from "../context.ts";
import { outboundMarkHeader, outboundProjectHeader } from "./outbound-fetch.ts";

/**
 * Keeps this server's own outbound calls (webhook deliveries, hosted processors' fetch) that come back to
 * it inside the project they were made for: a subscription in project `a` pointed at this server's URL
 * with `?project=victim` is refused with 403 instead of writing into `victim`. Such calls carry this
 * server's random mark; a mark from elsewhere is ignored (it can only narrow what a request may do).
 *
 * A check (see security.ts), which throws the refusal.
 *
 * @example
 * const check = selfCallGuard(mark);
 */
export function selfCallGuard(mark: string): (c: AppContext) => void {
  return (c) => {
    if (c.req.header(outboundMarkHeader) === mark) {
      const origin = c.req.header(outboundProjectHeader) ?? "";
      // A delivery names its project in a header too, which wins over `?project=`: refuse a query naming
      // another all the same, so the call fails loudly instead of landing somewhere its author did not mean.
      const query = c.req.query("project");
      const target = query !== undefined && query !== origin ? query : projectOf(c);
      if (origin === "" || target !== origin) {
        throw new TributaryError(
          "forbidden",
          `This request is the server's own outbound call made for project '${origin || "(none)"}'; it may not act in project '${target}'.`,
        );
      }
    }
  };
}
