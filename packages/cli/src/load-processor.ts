import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Processor } from "@tributary/protocol";
import { CliError } from "./cli-error.ts";

/** True for an object with the processor shape: a string `slug` and an `initialState`. */
export function looksLikeProcessor(value: unknown): value is Processor<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.slug === "string" && "initialState" in candidate;
}

/**
 * Imports a processor file (TypeScript runs directly: Node strips the types) and picks its processor:
 * the export named by `exportName`; else `default`; else `processor`; else the only export that looks
 * like a processor. Anything else is a CliError that says what to export.
 *
 * @example
 * const { processor, exportName } = await loadProcessor("examples/ping-pong/ping-pong.ts");
 */
export async function loadProcessor(file: string, exportName?: string): Promise<{ processor: Processor<unknown>; exportName: string }> {
  const absolute = resolve(file);
  if (!existsSync(absolute)) throw new CliError(`${file} does not exist.`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = (error as Error).message;
    if (code === "ERR_MODULE_NOT_FOUND" && /'tributary'/.test(message)) {
      throw new CliError(`${file} imports 'tributary', which is not installed where the file is; run 'npm install tributary' in its project.`, 1);
    }
    if (code === "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX") {
      throw new CliError(`${file} uses TypeScript that Node cannot strip (enums, namespaces, parameter properties): ${message}`, 1);
    }
    throw new CliError(`could not load ${file}: ${message}`, 1);
  }
  const names = Object.keys(module);
  if (exportName !== undefined) {
    if (!(exportName in module)) throw new CliError(`${file} has no export named '${exportName}'; it exports: ${names.join(", ") || "nothing"}.`);
    if (!looksLikeProcessor(module[exportName])) throw new CliError(`${file}'s export '${exportName}' is not a processor (an object with a slug and an initialState; use defineProcessor).`);
    return { processor: module[exportName], exportName };
  }
  for (const preferred of ["default", "processor"]) {
    if (looksLikeProcessor(module[preferred])) return { processor: module[preferred], exportName: preferred };
  }
  const candidates = names.filter((name) => looksLikeProcessor(module[name]));
  if (candidates.length === 1) return { processor: module[candidates[0]!] as Processor<unknown>, exportName: candidates[0]! };
  if (candidates.length > 1) {
    throw new CliError(`${file} exports several processors (${candidates.join(", ")}); choose one with --export <name>.`);
  }
  throw new CliError(
    `${file} has no processor export. Export one, e.g. 'export default defineProcessor(() => ({ slug, initialState, reduce, afterAppend }))' or 'export const processor = …'. It exports: ${names.join(", ") || "nothing"}.`,
  );
}
