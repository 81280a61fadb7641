// The first screen's JavaScript, gzipped: the entry script of dist/index.html and the chunks
// it preloads (the pages and the chart library load later). Fails above BUDGET_KB.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_KB = Number(process.env.FIRST_SCREEN_BUDGET_KB ?? 200);
const html = readFileSync("dist/index.html", "utf8");
const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
const sizes = files.map((file) => [file, gzipSync(readFileSync(`dist/${file}`)).length]);
const total = sizes.reduce((sum, [, size]) => sum + size, 0) / 1024;
for (const [file, size] of sizes) console.log(`  ${(size / 1024).toFixed(1).padStart(7)} kB  ${file}`);
console.log(`first screen: ${total.toFixed(1)} kB of gzipped JavaScript (budget ${BUDGET_KB} kB)`);
if (total > BUDGET_KB) {
  console.error(`over budget: split more routes or libraries out of the entry chunk`);
  process.exit(1);
}
