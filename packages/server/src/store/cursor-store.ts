import type { StreamPath } from "@tributary/protocol";
import type { LeaseFence } from "./lease-store.ts";

/** Named consumer cursors: how far a consumer's side effects got on a stream. Deleting a stream deletes its cursors. */
export interface CursorStore {
  getCursor(project: string, path: StreamPath, consumer: string): Promise<number | undefined>;
  /** With a `fence`, a shared store refuses the write (`lease_lost`) unless the fence's holder still holds the lease. */
  setCursor(project: string, path: StreamPath, consumer: string, offset: number, fence?: LeaseFence): Promise<void>;
}
