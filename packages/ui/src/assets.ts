// Where the server finds the web UI's files (imported by the server, not by the browser). In this repository it
// is the source: public/ and src/, whose TypeScript the server strips per request. The published package
// carries a build instead (dist/, from scripts/build.ts): the bundle and the static files, content-hashed.
import { fileURLToPath } from "node:url";

export interface UiAssets {
  /** `source`: public/ plus src/*.ts served stripped; `bundle`: dist/ with hashed, immutable assets. */
  mode: "source" | "bundle";
  /** The directory served at `/` (index.html, style.css, …). */
  root: string;
  /** The directory of the TypeScript modules served at `/src/` (source mode only). */
  sourceRoot?: string;
}

export const uiAssets: UiAssets = {
  mode: "source",
  root: fileURLToPath(new URL("../public/", import.meta.url)),
  sourceRoot: fileURLToPath(new URL("./", import.meta.url)),
};
