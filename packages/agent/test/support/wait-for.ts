export { waitFor } from "@tributary/server/testing";
