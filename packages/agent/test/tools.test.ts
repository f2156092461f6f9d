import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Tool, ToolContext } from "../src/tools/define-tool.ts";
import { toolDefinition } from "../src/tools/define-tool.ts";
import { editFileTool, readFileTool, writeFileTool } from "../src/tools/files/file-tools.ts";
import { shellTool } from "../src/tools/shell/shell-tool.ts";

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "tributary-tools-"));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const context = (signal = new AbortController().signal): ToolContext => ({
  signal,
  path: "/t",
  callId: "c",
  requestId: "1.1",
  append: async () => ({}) as never,
});
const run = async <I>(tool: Tool<I>, input: I, signal?: AbortSignal) => {
  const result = await tool.run(input, context(signal));
  return typeof result === "string" ? { output: result, isError: false } : { output: result.output, isError: result.isError ?? false };
};

describe("the shell tool", () => {
  it("runs real bash in the working directory and reports the exit code", async () => {
    const result = await run(shellTool({ cwd }), { command: "pwd; echo oops >&2; exit 3" });
    expect(result.output).toBe(`exit code 3\n${cwd}\noops\n`);
    expect(result.isError).toBe(true);
  });

  it("kills a command that runs past its timeout, children included", async () => {
    const result = await run(shellTool({ cwd, timeoutMs: 300 }), { command: "sleep 20 & sleep 20; echo never" });
    expect(result.output).toMatch(/^timed out after 300 ms/);
    expect(result.output).not.toContain("never");
  });

  it("stops the command when the call is cancelled", async () => {
    const controller = new AbortController();
    const pending = run(shellTool({ cwd }), { command: "echo started; sleep 20" }, controller.signal);
    setTimeout(() => controller.abort(), 200);
    expect((await pending).output).toMatch(/^cancelled\nstarted/);
  });

  it("keeps the head and the tail of a long output and says how much it dropped", async () => {
    const result = await run(shellTool({ cwd, maxOutputChars: 100 }), { command: "seq 1 10000" });
    expect(result.output.length).toBeLessThan(200);
    expect(result.output).toMatch(/^exit code 0\n1\n2\n/);
    expect(result.output).toMatch(/characters omitted/);
    expect(result.output).toMatch(/9999\n10000\n$/);
  });

  it("runs sandboxed in just-bash over the working directory without real processes", async () => {
    writeFileSync(join(cwd, "in.txt"), "sandboxed\n");
    const tool = shellTool({ cwd, mode: "just-bash" });
    const result = await run(tool, { command: "cat in.txt | tr a-z A-Z > out.txt; cat out.txt; ls /" });
    expect(result.output).toBe("exit code 0\nSANDBOXED\nin.txt\nout.txt\n");
    expect(readFileSync(join(cwd, "out.txt"), "utf8")).toBe("SANDBOXED\n");
    const outside = await run(tool, { command: "cat /etc/hostname" });
    expect(outside.isError).toBe(true);
  });

  it("announces a JSON schema for its arguments", () => {
    expect(toolDefinition(shellTool({ cwd }) as Tool<unknown>)).toMatchObject({
      name: "shell",
      parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    });
  });
});

describe("the file tools", () => {
  it("writes a file (creating directories), reads it back, and reads a range of lines", async () => {
    expect((await run(writeFileTool({ cwd }), { path: "a/b/c.txt", content: "one\ntwo\nthree\n" })).output).toBe("wrote 14 bytes to a/b/c.txt");
    expect((await run(readFileTool({ cwd }), { path: "a/b/c.txt" })).output).toBe("one\ntwo\nthree\n");
    expect((await run(readFileTool({ cwd }), { path: "a/b/c.txt", offset: 2, limit: 1 })).output).toBe("two");
  });

  it("refuses paths outside the working directory", async () => {
    const result = await run(readFileTool({ cwd }), { path: "../../etc/passwd" });
    expect(result).toMatchObject({ isError: true, output: expect.stringContaining("outside the working directory") });
    expect((await run(writeFileTool({ cwd }), { path: "/tmp/elsewhere.txt", content: "x" })).isError).toBe(true);
  });

  it("edits a unique piece of text, and refuses a missing or ambiguous one with what to do", async () => {
    writeFileSync(join(cwd, "f.txt"), "a = 1\nb = 1\n");
    const edit = editFileTool({ cwd });
    expect((await run(edit, { path: "f.txt", oldText: "= 1", newText: "= 2" })).output).toContain("occurs 2 times");
    expect((await run(edit, { path: "f.txt", oldText: "c = 1", newText: "c = 2" })).output).toContain("was not found");
    expect((await run(edit, { path: "f.txt", oldText: "a = 1", newText: "a = $&2" })).output).toBe("replaced 1 occurrence in f.txt");
    expect(readFileSync(join(cwd, "f.txt"), "utf8")).toBe("a = $&2\nb = 1\n");
    expect((await run(edit, { path: "f.txt", oldText: "= ", newText: ": ", replaceAll: true })).output).toBe("replaced 2 occurrences in f.txt");
  });

  it("says so when a file does not exist", async () => {
    expect(await run(readFileTool({ cwd }), { path: "missing.txt" })).toEqual({ output: "error: no such file", isError: true });
  });
});
