import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { StreamStore } from "../../store/stream-store.ts";

/** A secret as its users see it: the value, and the hosts a hosted processor's fetch may send it to. */
export interface Secret {
  value: string;
  /** Host names (`api.openai.com`, `*.example.com`, `127.0.0.1:8080`); none: no hosted fetch may carry it. */
  allowedHosts: string[];
}

export interface SecretVault {
  put(project: string, name: string, secret: Secret): Promise<{ created: boolean; updatedAt: string }>;
  get(project: string, name: string): Promise<Secret | undefined>;
  list(project: string): Promise<{ name: string; updatedAt: string; allowedHosts: string[] }[]>;
  delete(project: string, name: string): Promise<boolean>;
  /** The key's id (a hash prefix, never the key): shown in logs so an operator knows which key is in use. */
  readonly keyId: string;
}

const prefix = "tv1";

interface Key {
  id: string;
  bytes: Buffer;
}

function keyOf(hex: string, file: string): Key {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`${file}: every line must be a key of 64 hex digits (32 bytes); see docs/hosted-processors.md#secrets`);
  const bytes = Buffer.from(hex, "hex");
  return { id: createHash("sha256").update(bytes).digest("hex").slice(0, 12), bytes };
}

/**
 * Reads the secrets key file, creating it (mode 0600, one random key) when it does not exist. The first
 * line is the key new values are encrypted with; later lines are older keys, still accepted for reading
 * during a rotation. A file others may read is refused: the key is as secret as every secret it guards.
 */
export function loadSecretKeys(file: string | undefined): Key[] {
  if (file === undefined) return [keyOf(randomBytes(32).toString("hex"), "(in memory)")];
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`The secrets key file ${file} may be read by others (mode ${mode.toString(8)}); run 'chmod 600 ${file}'.`);
  }
  chmodSync(file, 0o600);
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) throw new Error(`The secrets key file ${file} holds no key; see docs/hosted-processors.md#secrets`);
  return lines.map((line) => keyOf(line, file));
}

/**
 * Secrets encrypted at rest: every value is stored as AES-256-GCM ciphertext (with its allowed hosts
 * inside), bound to its project and name, under a key kept in a file beside, not in, the database. The
 * store holds only `tv1:<key id>:<iv>:<tag>:<ciphertext>`; a copy of the database alone reveals nothing.
 *
 * 1. Rotation: put a new key on the first line of the key file and keep the old one below; values are
 *    re-encrypted with the new key when they are next read, so the old line can go once every secret was
 *    read or set again (docs/hosted-processors.md#secrets).
 * 2. A value stored in plain text by an older server is read as it is and encrypted on that read.
 *
 * @example
 * const vault = createSecretVault({ store, keys: loadSecretKeys("./data/secrets.key") });
 * await vault.put("default", "OPENAI_KEY", { value: "sk-…", allowedHosts: ["api.openai.com"] });
 */
export function createSecretVault(options: { store: StreamStore; keys: Key[] }): SecretVault {
  const { store } = options;
  const [current] = options.keys;
  if (!current) throw new Error("a secret vault needs a key");
  const keys = new Map(options.keys.map((key) => [key.id, key]));

  function seal(project: string, name: string, secret: Secret): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", current!.bytes, iv);
    cipher.setAAD(Buffer.from(`${project}\u0000${name}`));
    const plaintext = JSON.stringify({ v: secret.value, h: secret.allowedHosts });
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [prefix, current!.id, iv.toString("base64"), cipher.getAuthTag().toString("base64"), ciphertext.toString("base64")].join(":");
  }

  /** The secret, and whether it should be sealed again (plain text, or an older key). */
  function open(project: string, name: string, stored: string): { secret: Secret; stale: boolean } {
    if (!stored.startsWith(`${prefix}:`)) return { secret: { value: stored, allowedHosts: [] }, stale: true };
    const [, id, iv, tag, ciphertext] = stored.split(":");
    const key = keys.get(id!);
    if (!key) throw new Error(`The secret '${name}' was encrypted with key ${id}, which is not in the secrets key file.`);
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, Buffer.from(iv!, "base64"));
    decipher.setAAD(Buffer.from(`${project}\u0000${name}`));
    decipher.setAuthTag(Buffer.from(tag!, "base64"));
    const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext!, "base64")), decipher.final()]).toString("utf8");
    const parsed = JSON.parse(plaintext) as { v: string; h: string[] };
    return { secret: { value: parsed.v, allowedHosts: parsed.h }, stale: key.id !== current!.id };
  }

  async function get(project: string, name: string): Promise<Secret | undefined> {
    const stored = await store.getSecret(project, name);
    if (stored === undefined) return undefined;
    const { secret, stale } = open(project, name, stored);
    if (stale) await store.putSecret(project, name, seal(project, name, secret));
    return secret;
  }

  return {
    keyId: current.id,
    put: (project, name, secret) => store.putSecret(project, name, seal(project, name, secret)),
    get,
    async list(project) {
      const infos = await store.listSecrets(project);
      return Promise.all(
        infos.map(async (info) => {
          const secret = await get(project, info.name).catch(() => undefined);
          return { name: info.name, updatedAt: info.updatedAt, allowedHosts: secret?.allowedHosts ?? [] };
        }),
      );
    },
    delete: (project, name) => store.deleteSecret(project, name),
  };
}

/** The store's values as they are, for a built-in created without a vault (unit tests of one built-in). */
export function plainSecrets(store: Pick<StreamStore, "getSecret">): Pick<SecretVault, "get"> {
  return {
    async get(project, name) {
      const value = await store.getSecret(project, name);
      return value === undefined ? undefined : { value, allowedHosts: [] };
    },
  };
}
