import type { StreamPath } from "@tributary/protocol";

/** Named consumer cursors: how far a consumer's side effects got on a stream. Deleting a stream deletes its cursors. */
export interface CursorStore {
  getCursor(project: string, path: StreamPath, consumer: string): Promise<number | undefined>;
  setCursor(project: string, path: StreamPath, consumer: string, offset: number): Promise<void>;
}
