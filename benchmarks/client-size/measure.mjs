// Bundle size of @beeflow/websocket-client against other WebSocket client libraries, measured the same
// way in the same run: esbuild bundles an entry (ESM, browser, minified, target es2020), zlib gzips it
// at level 9. Two entries per library: everything it exports, and only its client (what tree shaking
// leaves when an application imports just that). Prints a markdown table and writes it into README.md.
//
//   npm ci && npm run measure
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = new URL(".", import.meta.url);
const runtime = new URL("../../clients/typescript/src/index.ts", here).pathname;
const require = createRequire(import.meta.url);

const libraries = [
  {
    name: "@beeflow/websocket-client",
    module: runtime,
    client: "createClient",
    version: JSON.parse(await readFile(new URL("../../clients/typescript/package.json", here))).version,
  },
  { name: "socket.io-client", module: "socket.io-client", client: "io" },
  { name: "@microsoft/signalr", module: "@microsoft/signalr", client: "HubConnectionBuilder" },
  { name: "centrifuge", module: "centrifuge", client: "Centrifuge" },
];

async function size(contents) {
  const { outputFiles } = await build({
    stdin: { contents, resolveDir: here.pathname, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "error",
  });
  const code = outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

function versionOf(name) {
  // Read the installed version from the package's own package.json, wherever its exports point.
  let dir = require.resolve(name);
  for (;;) {
    dir = dir.slice(0, dir.lastIndexOf("/"));
    try {
      const manifest = require(`${dir}/package.json`);
      if (manifest.name == name) return manifest.version;
    } catch {
      // keep climbing
    }
  }
}

const bytes = (n) => `${n.toLocaleString("en-US")} B`;
const rows = [];
for (const library of libraries) {
  const all = await size(`export * from ${JSON.stringify(library.module)};`);
  const alone = await size(`export { ${library.client} } from ${JSON.stringify(library.module)};`);
  rows.push({ ...library, version: library.version ?? versionOf(library.name), all, alone });
}
const [ours] = rows;
const table = [
  "| Library | Version | Everything, minified | Everything, gzipped | Client only | Client only, minified | Client only, gzipped | Gzipped client vs ours |",
  "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |",
  ...rows.map(
    (row) =>
      `| \`${row.name}\` | ${row.version} | ${bytes(row.all.minified)} | ${bytes(row.all.gzipped)} | \`${row.client}\` | ` +
      `${bytes(row.alone.minified)} | ${bytes(row.alone.gzipped)} | ${(row.alone.gzipped / ours.alone.gzipped).toFixed(1)}x |`,
  ),
].join("\n");
console.log(table);

const readme = new URL("README.md", here);
const text = await readFile(readme, "utf8");
const start = "<!-- table:start -->";
const end = "<!-- table:end -->";
const from = text.indexOf(start);
const to = text.indexOf(end);
if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} ... ${end} markers`);
const node = `Measured with esbuild ${(await import("esbuild")).version} on Node ${process.versions.node}.`;
await writeFile(readme, `${text.slice(0, from + start.length)}\n${table}\n\n${node}\n${text.slice(to)}`);
