/** Who a write made under a lease claims to be (see `acquireLease`); a shared store refuses stale holders' writes. */
export interface LeaseFence {
  lease: string;
  holder: string;
}

/** Leases: work that must run on one server at a time (the built-ins' side effects) runs only on the holder. */
export interface LeaseStore {
  /**
   * Takes or renews a named lease for `ttlMs`: true while `holder` owns it. A store that only one process
   * can open (SQLite) always grants it.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up at once (on shutdown), so another server can take it without waiting for expiry. */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * True when other server processes may hold this store's leases (PostgreSQL): then a holder must stop
   * acting as soon as its last renewal may have expired, and fences its writes (`LeaseFence`).
   */
  readonly leasesShared?: boolean;
}
