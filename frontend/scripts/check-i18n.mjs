// The catalog check (part of `npm run lint`): every key in both languages, no empty
// translation, every catalog file listed in src/i18n/resources.ts, and no user-visible
// literal outside the catalogs in the SPA's components: JSX text, string attributes people
// read (label, placeholder, title, ...), strings and templates inside JSX, and the titles
// and messages of notifications. A literal that is not language (a symbol, a number, a
// CSS value) passes; a line ending in `// i18n-ignore` is skipped on purpose.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");
const localeDir = join(src, "i18n", "locales");
const problems = [];

// --- catalogs -----------------------------------------------------------------------------

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(value, prefix = "", out = new Map()) {
  for (const [key, inner] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (inner && typeof inner === "object") flatten(inner, path, out);
    else out.set(path, inner);
  }
  return out;
}

const languages = readdirSync(localeDir).filter((name) => statSync(join(localeDir, name)).isDirectory());
const catalogs = {};
for (const language of languages) {
  catalogs[language] = {};
  for (const file of readdirSync(join(localeDir, language)).filter((f) => f.endsWith(".json"))) {
    const namespace = file.replace(/\.json$/, "");
    catalogs[language][namespace] = flatten(JSON.parse(readFileSync(join(localeDir, language, file), "utf8")));
  }
}

const listed = readFileSync(join(src, "i18n", "resources.ts"), "utf8");
for (const language of languages) {
  for (const namespace of Object.keys(catalogs[language])) {
    if (!listed.includes(`./locales/${language}/${namespace}.json`)) {
      problems.push(`src/i18n/resources.ts: locales/${language}/${namespace}.json is not listed`);
    }
  }
}

// Keys compared without plural suffixes: English has "_one" and "_other", Japanese only
// "_other" (it has one plural form).
function baseKeys(entries) {
  return new Set([...entries.keys()].map((key) => key.replace(PLURAL, "")));
}

const namespaces = new Set(languages.flatMap((language) => Object.keys(catalogs[language])));
for (const namespace of namespaces) {
  for (const language of languages) {
    const entries = catalogs[language][namespace];
    if (!entries) {
      problems.push(`locales/${language}/${namespace}.json is missing`);
      continue;
    }
    for (const [key, text] of entries) {
      if (typeof text !== "string" || text.trim() === "") {
        problems.push(`locales/${language}/${namespace}.json: "${key}" is empty`);
      }
    }
    for (const other of languages) {
      if (other === language || !catalogs[other][namespace]) continue;
      const theirs = baseKeys(catalogs[other][namespace]);
      for (const key of baseKeys(entries)) {
        if (!theirs.has(key)) problems.push(`locales/${other}/${namespace}.json lacks "${key}" (in ${language})`);
      }
    }
  }
}

// --- literals in components ---------------------------------------------------------------

// Attributes that never hold language (layout, routing, types, test ids); any other string
// attribute that reads like words (a capital, a space, Japanese) must come from the catalog.
const TECHNICAL_ATTRIBUTES = new Set([
  "key", "i18nKey", "to", "href", "src", "target", "rel", "type", "name", "id", "role", "className", "style",
  "size", "c", "color", "variant", "justify", "align", "wrap", "gap", "radius", "position",
  "orientation", "dataKey", "autoComplete", "inputMode", "pattern", "method", "lang", "dir",
  "accept", "component", "order", "fw", "ta", "tt", "ff", "fs", "lh", "display", "mode",
  "defaultColorScheme", "primaryColor", "valueFormat", "format", "locale", "layout", "curveType",
]);
const SHOWN = /[A-Z\u3040-\u30ff\u3400-\u9fff]|[A-Za-z]\s+[A-Za-z]/;
// Object keys whose string values are shown (notifications, confirmations).
const READ_KEYS = new Set(["title", "message", "label", "confirmLabel", "description", "placeholder", "children"]);
const WORDS = /[A-Za-z\u3040-\u30ff\u3400-\u9fff]{2,}/;

function sourceFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "test" && name !== "i18n") sourceFiles(path, out);
    } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith(".d.ts")) {
      out.push(path);
    }
  }
  return out;
}

// Whether a string ends up in the JSX as it is: through conditionals, ||/??/&&, parentheses,
// template spans and array literals (also `[...].filter(Boolean).join(" · ")`), but not
// as a function's argument (t("key"), label(value)) and not inside a callback.
const PASS_THROUGH = new Set([
  ts.SyntaxKind.ConditionalExpression,
  ts.SyntaxKind.BinaryExpression,
  ts.SyntaxKind.ParenthesizedExpression,
  ts.SyntaxKind.ArrayLiteralExpression,
  ts.SyntaxKind.PropertyAccessExpression,
  ts.SyntaxKind.TemplateSpan,
  ts.SyntaxKind.TemplateExpression,
]);

function insideJsx(node) {
  let child = node;
  for (let at = node.parent; at; child = at, at = at.parent) {
    if (ts.isJsxAttribute(at)) {
      const name = at.name.getText();
      return !TECHNICAL_ATTRIBUTES.has(name) && !name.startsWith("data-");
    }
    if (ts.isJsxExpression(at) && ts.isJsxAttribute(at.parent)) continue;
    if (ts.isJsxExpression(at)) return true;
    if (ts.isConditionalExpression(at) && child === at.condition) return false;
    if (ts.isBinaryExpression(at) && /^(==|!=|<|>)/.test(at.operatorToken.getText())) return false;
    if (ts.isCallExpression(at)) {
      if (child !== at.expression) return false;
      continue;
    }
    if (!PASS_THROUGH.has(at.kind)) return false;
  }
  return false;
}

function visibleText(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ");
  return "";
}

for (const file of sourceFiles(src)) {
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const report = (node, what) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart());
    if (lines[line].trimEnd().endsWith("// i18n-ignore")) return;
    problems.push(`${relative(root, file)}:${line + 1}: ${what} outside the catalog`);
  };
  const visit = (node) => {
    if (ts.isJsxText(node) && WORDS.test(node.text)) {
      report(node, `text "${node.text.trim().slice(0, 40)}"`);
    } else if (ts.isJsxAttribute(node) && node.initializer && ts.isStringLiteral(node.initializer)) {
      const name = node.name.getText(source);
      const value = node.initializer.text;
      const technical = TECHNICAL_ATTRIBUTES.has(name) || name.startsWith("data-");
      const spoken = /^aria-(label|description|valuetext|placeholder|roledescription)$/.test(name);
      const ariaState = name.startsWith("aria-") && !spoken; // aria-live="off", aria-hidden="true"
      if (!technical && !ariaState && WORDS.test(value) && (SHOWN.test(value) || spoken)) {
        report(node, `${name}="${node.initializer.text.slice(0, 40)}"`);
      }
    } else if (
      (ts.isStringLiteral(node) || ts.isTemplateExpression(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
      !ts.isJsxAttribute(node.parent) &&
      !ts.isImportDeclaration(node.parent) &&
      WORDS.test(visibleText(node)) &&
      !/^(\/|https?:|mailto:|#)/.test(visibleText(node).trim()) // a path or a link
    ) {
      const parent = node.parent;
      const shownKey =
        ts.isPropertyAssignment(parent) && parent.initializer === node && READ_KEYS.has(parent.name.getText(source));
      const directChild = SHOWN.test(visibleText(node)) && insideJsx(node);
      const shownArgument =
        ts.isCallExpression(parent) && /^(notifySaved|notifyError|notify)$/.test(parent.expression.getText(source));
      if (shownKey || directChild || shownArgument) report(node, `"${visibleText(node).slice(0, 40)}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

if (problems.length) {
  console.error(`i18n: ${problems.length} problem(s)`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
const keyCount = [...namespaces].reduce((n, ns) => n + (catalogs.en?.[ns]?.size ?? 0), 0);
console.log(`i18n: ${keyCount} keys in ${namespaces.size} namespaces, ${languages.join(" and ")} complete; no literal outside the catalog`);
