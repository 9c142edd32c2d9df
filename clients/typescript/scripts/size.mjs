// The size budget: the runtime bundled and minified by esbuild, then gzipped (level 9), must stay
// within BUDGET bytes. benchmarks/client-size measures other clients the same way.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const BUDGET = 4 * 1024;

// An entry re-exporting everything, exactly as benchmarks/client-size/measure.mjs bundles each library.
const entry = new URL("../src/index.ts", import.meta.url).pathname;
const { outputFiles } = await build({
  stdin: { contents: `export * from ${JSON.stringify(entry)};`, resolveDir: new URL(".", import.meta.url).pathname, loader: "js" },
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  write: false,
  logLevel: "error",
});
const code = outputFiles[0].contents;
const gzipped = gzipSync(code, { level: 9 }).length;
const verdict = gzipped <= BUDGET ? "within" : "OVER";
console.log(`@beeflow/websocket-client: ${code.length} B minified, ${gzipped} B gzipped (${verdict} the ${BUDGET} B budget)`);
if (gzipped > BUDGET) process.exit(1);
