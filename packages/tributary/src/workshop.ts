// `tributary/workshop`: the workshop SDK's surface (the talk's code runs with only its import changed). See docs/sdk.md.
export * from "@tributary/sdk/workshop";
