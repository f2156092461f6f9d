/**
 * Probe helper (not part of `npm run bench`): the server of hosted-pong.ts. Loads the trace hooks when
 * `TRACE_DIR` is set, then the bench's server child of the checkout `HOSTED_PONG_SERVER` names.
 */
if (process.env.TRACE_DIR) await import("./hosted-pong-hooks.ts");
await import(process.env.HOSTED_PONG_SERVER!);
