import type { SandboxLimits } from "./sandbox-limits.ts";

/**
 * The messages between the server and its sandbox process. Events and states cross as JSON strings, so
 * the sandbox never sees a server object and the server never runs the user's code.
 */
export type ToSandbox =
  | { op: "load"; id: number; instance: number; script: string; limits: SandboxLimits }
  | { op: "reduce"; id: number; instance: number; events: string[] }
  /** Replaces the processor's state with a snapshot's (JSON). */
  | { op: "restore"; id: number; instance: number; state: string }
  | { op: "caughtUp"; id: number; instance: number; path: string }
  | { op: "afterAppend"; id: number; instance: number; event: string }
  /** `reduce` of one event, then (if that succeeded) its `afterAppend`: one round trip for a followed event. */
  | { op: "reduceThenAfterAppend"; id: number; instance: number; event: string }
  | { op: "state"; id: number; instance: number }
  | { op: "dispose"; instance: number }
  | { op: "hostReply"; call: number; ok: true; value: unknown }
  | { op: "hostReply"; call: number; ok: false; message: string };

export type FromSandbox =
  /** Sent once the process has loaded isolated-vm, then every second while it is responsive. */
  | { type: "alive" }
  | { type: "reply"; id: number; result: CallResult }
  /** `of`: the id of the server's request (a call) this one is made in, so the server knows which call asks. */
  | { type: "host"; call: number; instance: number; kind: "append" | "fetch"; request: string; cause: number | undefined; of: number | undefined }
  | { type: "log"; instance: number; level: string; message: string; fields: string | undefined; cause: number | undefined };

/**
 * Why a call into a hosted processor failed: a limit (`cpu`, `memory`, `wall`), a throw, a bad module,
 * the sandbox process dying during the call (`crashed`), or the call finding a new sandbox process in
 * place of the one that loaded the processor (`restarted`: not the processor's fault; load it again).
 */
export type FailureKind = "cpu" | "memory" | "wall" | "threw" | "load" | "crashed" | "restarted";

export type CallResult =
  | { ok: true; value?: string; slug?: string; hasAfterAppend?: boolean; hasOnCaughtUp?: boolean }
  /** `index`: which of the events a `reduce` failed on; `inReduce`: a `reduceThenAfterAppend` failed in its reduce. */
  | { ok: false; kind: FailureKind; message: string; index?: number; inReduce?: boolean };
