// Bundles the GraphQL IDE (server/ide/main.js: GraphiQL + React + CodeMirror) into server/dist/public/ide,
// so GET /graphql works offline. Skipped when the bundle is newer than its inputs.
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const entry = join(root, "server", "ide", "main.js");
const outdir = join(root, "server", "dist", "public", "ide");
const bundle = join(outdir, "main.js");

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};
const inputs = [entry, import.meta.filename, join(root, "package-lock.json")];
if (mtime(bundle) > Math.max(...inputs.map(mtime)) && mtime(join(outdir, "index.html")) > 0) {
  console.log("ide bundle up to date");
  process.exit(0);
}

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  outdir,
  define: { "process.env.NODE_ENV": '"production"' },
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".svg": "file", ".png": "file" },
  logLevel: "warning",
});
writeFileSync(
  join(outdir, "index.html"),
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Tunelab GraphQL</title>
    <link rel="icon" href="/icon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="/ide/main.css" />
    <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
  </head>
  <body>
    <div id="graphiql">Loading the GraphQL IDE…</div>
    <script type="module" src="/ide/main.js"></script>
  </body>
</html>
`,
);
console.log(`ide bundle written to ${outdir}`);
