import { fileURLToPath } from "node:url";

/**
 * The UI's third-party modules in source mode (this repository, no bundle): the browser cannot resolve a
 * bare `import … from "marked"`, so the served module imports `/vendor/marked.js` instead, which is the
 * package's own ES module build. A bundled UI (scripts/build.ts) resolves them at build time instead.
 */
const vendorModules: Record<string, string> = { marked: "marked", dompurify: "dompurify" };

const barePattern = /(\bfrom\s*|\bimport\s*)(["'])([a-z@][\w@/.-]*)\2/g;

/** The module's bare imports of vendored packages pointed at `/vendor/<name>.js`. */
export function rewriteVendorImports(source: string): string {
  return source.replace(barePattern, (match, keyword: string, quote: string, name: string) =>
    name in vendorModules ? `${keyword}${quote}/vendor/${name}.js${quote}` : match,
  );
}

/** The file of a vendored module's ES build, or undefined for an unknown name. */
export function vendorFile(name: string): string | undefined {
  const specifier = vendorModules[name];
  if (!specifier) return undefined;
  try {
    return fileURLToPath(import.meta.resolve(specifier));
  } catch {
    return undefined;
  }
}
