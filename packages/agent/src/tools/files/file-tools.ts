import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { defineTool } from "../define-tool.ts";
import { workspacePath } from "./workspace-path.ts";

export interface FileToolOptions {
  /** The working directory; paths are relative to it and may not leave it. */
  cwd: string;
  /** Characters of a file `read_file` returns at most (default 100,000). */
  maxReadChars?: number;
}

const failure = (error: unknown) => ({
  output: `error: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
  isError: true,
});

/** `read_file`: a file's text, optionally a range of lines, with a note when it was cut. */
export function readFileTool(options: FileToolOptions) {
  const max = options.maxReadChars ?? 100_000;
  return defineTool({
    name: "read_file",
    description: "Read a text file in the working directory. Optionally from a 1-based line `offset`, at most `limit` lines.",
    input: z.object({
      path: z.string().min(1).describe("Path relative to the working directory."),
      offset: z.number().int().positive().optional().describe("First line to return (1-based)."),
      limit: z.number().int().positive().optional().describe("Lines to return at most."),
    }),
    async run({ path, offset, limit }) {
      try {
        let text = await readFile(workspacePath(options.cwd, path), "utf8");
        if (offset !== undefined || limit !== undefined) {
          const lines = text.split("\n");
          const start = (offset ?? 1) - 1;
          text = lines.slice(start, limit === undefined ? undefined : start + limit).join("\n");
        }
        return text.length > max ? `${text.slice(0, max)}\n[… cut at ${max} of ${text.length} characters; read on with offset/limit]` : text;
      } catch (error) {
        return failure(error);
      }
    },
  });
}

/** `write_file`: creates or replaces a file (and its directories). */
export function writeFileTool(options: FileToolOptions) {
  return defineTool({
    name: "write_file",
    description: "Create or overwrite a text file in the working directory (directories are created).",
    input: z.object({ path: z.string().min(1).describe("Path relative to the working directory."), content: z.string().describe("The whole new content.") }),
    async run({ path, content }) {
      try {
        const target = workspacePath(options.cwd, path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
        return `wrote ${Buffer.byteLength(content)} bytes to ${path}`;
      } catch (error) {
        return failure(error);
      }
    },
  });
}

/** `edit_file`: replaces an exact piece of text; refuses when it is missing or not unique (unless `replaceAll`). */
export function editFileTool(options: FileToolOptions) {
  return defineTool({
    name: "edit_file",
    description:
      "Edit a text file in the working directory by replacing `oldText` (copied exactly, unique in the file) with `newText`. Set `replaceAll` to replace every occurrence.",
    input: z.object({
      path: z.string().min(1).describe("Path relative to the working directory."),
      oldText: z.string().min(1).describe("The exact text to replace."),
      newText: z.string().describe("The replacement."),
      replaceAll: z.boolean().optional(),
    }),
    async run({ path, oldText, newText, replaceAll }) {
      try {
        const target = workspacePath(options.cwd, path);
        const text = await readFile(target, "utf8");
        const count = text.split(oldText).length - 1;
        if (count === 0) return { output: `error: oldText was not found in ${path}; read the file and copy the text exactly`, isError: true };
        if (count > 1 && !replaceAll)
          return { output: `error: oldText occurs ${count} times in ${path}; add context to make it unique, or set replaceAll`, isError: true };
        await writeFile(target, replaceAll ? text.split(oldText).join(newText) : text.replace(oldText, () => newText));
        return `replaced ${replaceAll ? count : 1} occurrence${(replaceAll ? count : 1) > 1 ? "s" : ""} in ${path}`;
      } catch (error) {
        return failure(error);
      }
    },
  });
}

/** The three file tools for one working directory. */
export function fileTools(options: FileToolOptions) {
  return [readFileTool(options), writeFileTool(options), editFileTool(options)];
}
