export * from "@tributary/sdk/testing";
