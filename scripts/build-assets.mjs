// Build the front-end assets from node_modules into the package's static dir.
// Nothing here is copied into the repository by hand: `make assets` runs this
// after `npm ci`, and the output directory is git-ignored.
import { copyFileSync, mkdirSync, existsSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "huanjian", "web", "static", "vendor");
mkdirSync(out, { recursive: true });

const assets = [
  ["htmx.org", "dist/htmx.min.js", "htmx.min.js"],
  ["echarts", "dist/echarts.min.js", "echarts.min.js"],
];
const manifest = {};
for (const [pkg, from, to] of assets) {
  const src = join(root, "node_modules", pkg, from);
  if (!existsSync(src)) {
    console.error(`missing ${src}: run npm ci first`);
    process.exit(1);
  }
  copyFileSync(src, join(out, to));
  const version = JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
  manifest[to] = { package: pkg, version };
}
writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`assets built into ${out}: ${Object.keys(manifest).join(", ")}`);
