export { testProcessor, type ScenarioEvent, type ScenarioOptions, type ScenarioResult } from "./testing/processor-scenario.ts";
