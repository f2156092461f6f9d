// Memory, not time: lookups of distinct streams that do not exist (reads of never-created paths) must not
// grow the server's memory without bound; each miss used to stay cached for good (~260 MiB per 100,000
// reads over HTTP). Measured in a child process of its own, so nothing else in the run moves its RSS.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("./support/missing-paths-rss.ts", import.meta.url));
const MiB = 1024 * 1024;

describe("bounded memory", () => {
  it("keeps the SQLite store's path cache bounded: a second million distinct missing paths adds no memory", () => {
    const run = spawnSync(process.execPath, ["--expose-gc", "--max-semi-space-size=2", "--conditions=tributary-source", script, "1000000"], {
      encoding: "utf8",
      timeout: 280_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const { lookups, before, after } = JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { lookups: number; before: number; after: number };
    expect(lookups).toBe(1_000_000);
    // Unbounded, the second million cached misses add ~110 MiB; bounded, the RSS stays where the first left it.
    expect((after - before) / MiB).toBeLessThan(32);
  }, 300_000);
});
