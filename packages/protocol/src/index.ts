export * from "./errors.ts";
export * from "./stream-path.ts";
export * from "./project.ts";
export * from "./cursor.ts";
export * from "./event.ts";
export * from "./builtin-event-types.ts";
export * from "./processor.ts";
export * from "./known-options.ts";
