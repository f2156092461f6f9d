import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Scope } from "./scope.ts";
import type { TokenRecord, TokenStore } from "./token-store.ts";

/** Who a request comes from under `--auth`: a token's id, name and scopes. */
export interface Identity {
  id: string;
  name: string;
  scopes: Scope[];
}

/** The id of the admin token given by `TRIBUTARY_ADMIN_TOKEN` (any string the operator chose). */
const environmentAdminId = "env-admin";
const tokenPattern = /^trb_([0-9a-f]{16})_[A-Za-z0-9_-]{20,}$/;
/** A revocation made on another server reaches this one's cache within this long. */
const cacheMs = 5_000;

export const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/**
 * Tokens: created with scopes, stored hashed (SHA-256: the tokens are 256 random bits, so a slow hash adds
 * nothing), verified in constant time, revoked by id. Verified tokens are cached for a few seconds.
 *
 * @example
 * const auth = createAuth(createTokenStore(store));
 * const { token } = await auth.create("ci", [parseScope("append:/ci")]);
 * await auth.authenticate(token); // { id, name: "ci", scopes: [...] }
 */
export function createAuth(tokens: TokenStore, now: () => number = Date.now) {
  const cache = new Map<string, { record: TokenRecord | undefined; until: number }>();

  async function record(id: string): Promise<TokenRecord | undefined> {
    const cached = cache.get(id);
    if (cached && cached.until > now()) return cached.record;
    const found = await tokens.get(id);
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { record: found, until: now() + cacheMs });
    return found;
  }

  const auth = {
    async authenticate(token: string): Promise<Identity | undefined> {
      const given = Buffer.from(hashToken(token), "hex");
      // An operator's TRIBUTARY_ADMIN_TOKEN may be any string, even one shaped like a generated token.
      for (const id of new Set([tokenPattern.exec(token)?.[1] ?? environmentAdminId, environmentAdminId])) {
        const found = await record(id);
        const stored = found ? Buffer.from(found.hash, "hex") : undefined;
        if (found && stored!.length === given.length && timingSafeEqual(given, stored!)) return { id: found.id, name: found.name, scopes: found.scopes };
      }
      return undefined;
    },

    async create(name: string, scopes: Scope[]): Promise<{ token: string; record: TokenRecord }> {
      const id = randomBytes(8).toString("hex");
      const token = `trb_${id}_${randomBytes(32).toString("base64url")}`;
      const created: TokenRecord = { id, name, hash: hashToken(token), scopes, createdAt: new Date(now()).toISOString() };
      await tokens.put(created);
      cache.delete(id);
      return { token, record: created };
    },

    list: () => tokens.list(),
    get: (id: string) => tokens.get(id),

    async revoke(id: string): Promise<boolean> {
      cache.delete(id);
      const removed = await tokens.remove(id);
      cache.delete(id);
      return removed;
    },

    /**
     * The first admin token: `adminToken` (from `TRIBUTARY_ADMIN_TOKEN`) when given, kept in the store as
     * its hash; otherwise, when the store holds no token at all, a new one written to `<dataDir>/admin-token`
     * (mode 0600) and returned so the caller can print it once.
     */
    async bootstrap(options: { adminToken?: string; dataDir?: string }): Promise<{ token: string; file?: string } | undefined> {
      const everything: Scope[] = [{ kind: "admin", project: "*", path: "/" }];
      if (options.adminToken) {
        const hash = hashToken(options.adminToken);
        const existing = await tokens.get(environmentAdminId);
        if (existing?.hash !== hash) {
          await tokens.put({
            id: environmentAdminId,
            name: "admin (TRIBUTARY_ADMIN_TOKEN)",
            hash,
            scopes: everything,
            createdAt: new Date(now()).toISOString(),
          });
        }
        cache.delete(environmentAdminId);
        return undefined;
      }
      if ((await tokens.list()).length > 0) return undefined;
      const { token } = await auth.create("admin", everything);
      if (options.dataDir === undefined || options.dataDir === ":memory:") return { token };
      const file = join(options.dataDir, "admin-token");
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      return { token, file };
    },
  };
  return auth;
}

export type Auth = ReturnType<typeof createAuth>;
