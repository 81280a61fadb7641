// The first screen's JavaScript, gzipped: the entry script of dist/index.html, the chunks it
// preloads, and the first screen's catalogs in the larger of the two languages (loaded by
// src/main.tsx before it renders; src/i18n FIRST_SCREEN). The pages, the chart library and
// the other catalogs load later. Fails above BUDGET_KB.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_KB = Number(process.env.FIRST_SCREEN_BUDGET_KB ?? 200);
const html = readFileSync("dist/index.html", "utf8");
const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const sizes = files.map((file) => [file, gzipSync(readFileSync(`dist/${file}`)).length]);
const manifest = JSON.parse(readFileSync("dist/.vite/manifest.json", "utf8"));
const firstScreen = readFileSync("src/i18n/index.ts", "utf8").match(/FIRST_SCREEN: Namespace\[\] = \[([^\]]*)\]/)[1].match(/\w+/g);
const catalogs = ["en", "ja"].map((language) =>
  firstScreen.map((ns) => manifest[`src/i18n/locales/${language}/${ns}.json`].file),
);
const catalogSizes = catalogs.map((files) => files.map((file) => [file, gzipSync(readFileSync(`dist/${file}`)).length]));
const heavier = catalogSizes.sort((a, b) => b.reduce((n, [, s]) => n + s, 0) - a.reduce((n, [, s]) => n + s, 0))[0];
sizes.push(...heavier);
const total = sizes.reduce((sum, [, size]) => sum + size, 0) / 1024;
for (const [file, size] of sizes) console.log(`  ${(size / 1024).toFixed(1).padStart(7)} kB  ${file}`);
console.log(`first screen: ${total.toFixed(1)} kB of gzipped JavaScript (budget ${BUDGET_KB} kB)`);
if (total > BUDGET_KB) {
  console.error(`over budget: split more routes or libraries out of the entry chunk`);
  process.exit(1);
}
