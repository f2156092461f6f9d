/** What one hosted processor may use; every limit has a default and a `tributary serve` flag. */
export interface SandboxLimits {
  /** CPU time one call (a reduce, an onCaughtUp, an afterAppend including its continuations) may use. */
  cpuMs: number;
  /** The isolate's heap: a processor that allocates past it is stopped. */
  memoryMb: number;
  /** Wall time one afterAppend / onCaughtUp may take, waiting on fetches included. */
  wallMs: number;
  /** Consecutive failed calls after which the processor is suspended (`processor/suspended`). */
  maxFailures: number;
  /** Log events per second one processor may append; the rest are counted and reported as dropped. */
  logsPerSecond: number;
  /** Outbound fetches one call may make. */
  fetchesPerCall: number;
  /** A fetch response body larger than this is refused. */
  maxFetchBytes: number;
  /** How long one outbound fetch may take. */
  fetchTimeoutMs: number;
  /**
   * Not a limit: how many events a processor handles between snapshots of its state
   * (`processor/snapshotted`), so a restart reduces at most about this many events.
   */
  snapshotEvery: number;
}

export const defaultSandboxLimits: SandboxLimits = {
  cpuMs: 100,
  memoryMb: 64,
  wallMs: 30_000,
  maxFailures: 3,
  logsPerSecond: 10,
  fetchesPerCall: 10,
  maxFetchBytes: 1024 * 1024,
  fetchTimeoutMs: 10_000,
  snapshotEvery: 1000,
};
