import { describe, expect, it } from "vitest";
import { commands } from "../src/commands.ts";

describe("the command registry", () => {
  it("loads every command's module, whose summary is the one the registry shows", async () => {
    for (const [name, entry] of Object.entries(commands)) {
      const command = await entry.load();
      expect(typeof command.run, name).toBe("function");
      expect(entry.summary, name).toBe(command.summary);
    }
  });
});
