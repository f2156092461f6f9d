export * from "@tributary/sdk";
