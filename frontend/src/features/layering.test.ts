// The SPA's data layer stays in one place: only src/api/, auth.tsx (the token calls), App.tsx
// (wires the client's sign-in-lost handler) and the features' queries.ts files (plus the live
// stream's cache updates) talk to the API; pages (src/routes/) and components compose hooks.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** What marks a file as talking to the API itself, with why each is refused elsewhere. */
const DIRECT: [RegExp, string][] = [
  [/from\s+["'][./]*api\/client["']/, "imports the API client"],
  [/from\s+["']openapi-fetch["']/, "makes its own client"],
  [/\bapi\.(GET|POST|PUT|PATCH|DELETE)\b/, "calls the client"],
  [/\bfetch\(/, "calls fetch"],
  [/\buse(Query|Mutation|InfiniteQuery)\(/, "runs its own query or mutation"],
  [/\b(invalidateQueries|setQueryData)\(/, "edits the cache outside an invalidation rule"],
];

const allowed = (file: string) =>
  file.startsWith("api/") || file === "auth.tsx" || file === "App.tsx" || /^features\/[^/]+\/queries\.ts$/.test(file) || file === "features/sessions/live.ts";

function offences(file: string, text: string): string[] {
  return DIRECT.filter(([pattern]) => pattern.test(text)).map(([, why]) => `${file} ${why}`);
}

describe("the data layer", () => {
  const files = sources(SRC).map((path) => [relative(SRC, path).split("\\").join("/"), readFileSync(path, "utf8")] as const);

  it("finds the pages it guards", () => {
    expect(files.filter(([file]) => file.startsWith("routes/")).length).toBeGreaterThan(10);
  });

  it("no page under src/routes/ (nor any component) calls the API or the cache directly", () => {
    const found = files.filter(([file]) => !allowed(file)).flatMap(([file, text]) => offences(file, text));
    expect(found).toEqual([]);
  });

  it("would catch a page that does", () => {
    const page = `import { api } from "../api/client";\nexport const x = () => api.GET("/api/v1/dashboard");`;
    expect(offences("routes/Bad.tsx", page)).toEqual(["routes/Bad.tsx imports the API client", "routes/Bad.tsx calls the client"]);
    expect(offences("routes/Bad.tsx", `const q = useQuery({ queryKey: ["x"] });`)).toHaveLength(1);
  });
});
