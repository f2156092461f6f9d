// `tributary/testing`: given / when / then for a processor on a real in-memory server. See docs/sdk.md.
export * from "@tributary/testing";
