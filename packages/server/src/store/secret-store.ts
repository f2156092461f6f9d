/** A stored secret's name; the value never leaves the store except to the built-in that uses it. */
export interface SecretInfo {
  name: string;
  updatedAt: string;
}

/** Secrets: per project, stored outside every stream. */
export interface SecretStore {
  /** Resolves `created: false` on a replace. */
  putSecret(project: string, name: string, value: string): Promise<{ created: boolean; updatedAt: string }>;
  getSecret(project: string, name: string): Promise<string | undefined>;
  /** Resolves `false` when there was no such secret. */
  deleteSecret(project: string, name: string): Promise<boolean>;
  listSecrets(project: string): Promise<SecretInfo[]>;
}
