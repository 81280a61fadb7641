// Fails when src/api/schema.d.ts or src/api/limits.ts is stale against ../openapi.json
// (regenerates both to a temp folder and compares).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "mm-api-"));
const fresh = join(dir, "schema.d.ts");
try {
  execFileSync("npx", ["openapi-typescript", "../openapi.json", "-o", fresh], { stdio: "pipe" });
  const committed = readFileSync("src/api/schema.d.ts", "utf8");
  if (readFileSync(fresh, "utf8") !== committed) {
    console.error("src/api/schema.d.ts is stale against openapi.json: run `npm run gen:api`.");
    process.exit(1);
  }
  const limits = join(dir, "limits.ts");
  execFileSync("node", ["scripts/gen-limits.mjs", limits], { stdio: "pipe" });
  if (readFileSync(limits, "utf8") !== readFileSync("src/api/limits.ts", "utf8")) {
    console.error("src/api/limits.ts is stale against openapi.json: run `npm run gen:api`.");
    process.exit(1);
  }
  console.log("src/api/schema.d.ts and src/api/limits.ts match openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
