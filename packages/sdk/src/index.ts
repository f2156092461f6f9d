export { defineProcessor, type Processor } from "@tributary/protocol";
