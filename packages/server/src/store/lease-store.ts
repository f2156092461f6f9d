/** Leases: work that must run on one server at a time (the built-ins' side effects) runs only on the holder. */
export interface LeaseStore {
  /**
   * Takes or renews a named lease for `ttlMs`: true while `holder` owns it. A store that only one process
   * can open (SQLite) always grants it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up at once (on shutdown), so another server can take it without waiting for expiry. */
  releaseLease(name: string, holder: string): Promise<void>;
}
