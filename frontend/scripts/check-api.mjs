// Fails when a file generated from ../openapi.json is stale: src/api/schema.d.ts (types),
// src/api/limits.ts (field rules) and src/api/enums.ts (enum values). Regenerates each to a
// temp folder and compares.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "mm-api-"));
const generated = [
  ["src/api/schema.d.ts", (out) => execFileSync("npx", ["openapi-typescript", "../openapi.json", "-o", out], { stdio: "pipe" })],
  ["src/api/limits.ts", (out) => execFileSync("node", ["scripts/gen-limits.mjs", out], { stdio: "pipe" })],
  ["src/api/enums.ts", (out) => execFileSync("node", ["scripts/gen-enums.mjs", out], { stdio: "pipe" })],
];
try {
  for (const [file, generate] of generated) {
    const fresh = join(dir, file.split("/").pop());
    generate(fresh);
    if (readFileSync(fresh, "utf8") !== readFileSync(file, "utf8")) {
      console.error(`${file} is stale against openapi.json: run \`npm run gen:api\`.`);
      process.exit(1);
    }
  }
  console.log(`${generated.map(([file]) => file).join(", ")} match openapi.json`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
