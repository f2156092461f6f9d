import type { StreamStore } from "../store/stream-store.ts";
import type { Scope } from "./scope.ts";

/** A token as stored: never the token itself, only its SHA-256 hash. */
export interface TokenRecord {
  id: string;
  name: string;
  /** Hex SHA-256 of the whole token string. */
  hash: string;
  scopes: Scope[];
  createdAt: string;
}

/** Where tokens live: one interface; today one implementation over the store's secret table (either backend). */
export interface TokenStore {
  put(record: TokenRecord): Promise<void>;
  get(id: string): Promise<TokenRecord | undefined>;
  list(): Promise<TokenRecord[]>;
  /** Resolves false when there was no such token. */
  remove(id: string): Promise<boolean>;
}

/**
 * A project name no request can name (`parseProject` refuses `#`), so the records sit in the secret table
 * (SQLite or PostgreSQL, encrypted wherever secrets are) without any HTTP route reaching them.
 */
const tokenProject = "#tokens";

/**
 * The token store over a `StreamStore`'s secrets: works on every backend the store has, and needs no table
 * of its own.
 *
 * @example
 * const tokens = createTokenStore(store);
 * await tokens.put({ id, name: "ci", hash, scopes, createdAt });
 */
export function createTokenStore(store: StreamStore): TokenStore {
  const parse = (value: string | undefined) => (value === undefined ? undefined : (JSON.parse(value) as TokenRecord));
  return {
    async put(record) {
      await store.putSecret(tokenProject, record.id, JSON.stringify(record));
    },
    async get(id) {
      return parse(await store.getSecret(tokenProject, id));
    },
    async list() {
      const names = await store.listSecrets(tokenProject);
      const records = await Promise.all(names.map(async ({ name }) => parse(await store.getSecret(tokenProject, name))));
      return records.filter((record): record is TokenRecord => record !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    remove: (id) => store.deleteSecret(tokenProject, id),
  };
}
