// `@tributary/testing` (also `tributary/testing`): test helpers that start a real server. Kept out of the SDK so
// that installing the SDK brings no server code.
export { testProcessor, type ScenarioEvent, type ScenarioOptions, type ScenarioResult } from "./processor-scenario.ts";
