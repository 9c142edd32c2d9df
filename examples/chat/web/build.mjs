// Build the page: src/main.ts (and the generated client it imports from src/api) bundled by esbuild
// into dist/app.js, next to index.html and style.css. ../server.py serves dist/.
//
//   npm ci && npm run build     once, and after every change to src/ or to the schema
//   npm run typecheck           tsc --strict over src/ (esbuild strips types without checking them)
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

const here = (path) => new URL(path, import.meta.url).pathname;

rmSync(here("dist"), { recursive: true, force: true });
mkdirSync(here("dist"));
await build({
  entryPoints: [here("src/main.ts")],
  outfile: here("dist/app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  sourcemap: true,
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(here(file), here(`dist/${file}`));
console.log("built dist/: index.html, style.css, app.js");
