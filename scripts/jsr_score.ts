/**
 * Prints the part of the JSR package score that can be checked locally, and
 * exits 1 unless it is full marks:
 *
 * - a README with a code example;
 * - a module doc on `mod.ts` with an example;
 * - every exported symbol documented with an `@example`, and every public
 *   member of exported classes documented;
 * - no slow types (`deno publish --dry-run`);
 * - jsr.json agrees with deno.json (name, version, exports).
 *
 * Scored on jsr.io only (not checkable here): description, runtime
 * compatibility flags, provenance.
 *
 * Usage: deno task score (spawns the same deno binary that runs it)
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

interface JsDoc {
  doc?: string;
  tags?: Array<{ kind: string }>;
}
interface Member {
  name: string;
  jsDoc?: JsDoc;
  accessibility?: string;
  functionDef?: { hasBody?: boolean };
}
interface Declaration {
  jsDoc?: JsDoc;
  kind?: string;
  def?: { methods?: Member[]; properties?: Member[] };
}

const checks: Array<[string, boolean, string]> = [];

const readme = readFileSync("README.md", "utf8");
checks.push(["README with a code example", /```(ts|js|typescript)/.test(readme), ""]);

const doc = spawnSync(process.execPath, ["doc", "--json", "mod.ts"], { encoding: "utf8" });
const nodes = JSON.parse(doc.stdout).nodes as Record<
  string,
  { module_doc?: JsDoc; symbols: Array<{ name: string; declarations: Declaration[] }> }
>;
const mod = Object.values(nodes)[0]!;
const moduleDoc = mod.module_doc;
checks.push([
  "module doc on mod.ts with an example",
  Boolean(moduleDoc?.doc) && (moduleDoc?.tags ?? []).some((t) => t.kind === "module") &&
  /```ts/.test(JSON.stringify(moduleDoc)) &&
  !(moduleDoc?.tags ?? []).some((t) => t.kind === "unsupported"),
  "",
]);

const undocumented: string[] = [];
for (const symbol of mod.symbols) {
  for (const declaration of symbol.declarations) {
    const tags = declaration.jsDoc?.tags ?? [];
    if (!declaration.jsDoc?.doc) undocumented.push(`${symbol.name}: no doc`);
    if (!tags.some((t) => t.kind === "example")) undocumented.push(`${symbol.name}: no @example`);
    if (tags.some((t) => t.kind === "unsupported")) {
      undocumented.push(`${symbol.name}: a line starting with @ was read as a tag`);
    }
    const members = [...(declaration.def?.methods ?? []), ...(declaration.def?.properties ?? [])];
    for (const member of members) {
      if (member.accessibility === "private" || member.name.startsWith("#")) continue;
      // The implementation signature of an overloaded method is not public API.
      const overloaded = members.filter((m) => m.name === member.name).length > 1;
      if (overloaded && member.functionDef?.hasBody) continue;
      if (!member.jsDoc?.doc) undocumented.push(`${symbol.name}.${member.name}: no doc`);
    }
  }
}
checks.push([
  `${mod.symbols.length} exported symbols documented with examples`,
  undocumented.length === 0,
  undocumented.join("; "),
]);

const publish = spawnSync(process.execPath, ["publish", "--dry-run", "--allow-dirty"], {
  encoding: "utf8",
});
checks.push([
  "no slow types (deno publish --dry-run)",
  publish.status === 0,
  publish.status === 0 ? "" : publish.stderr.slice(-2000),
]);

const denoJson = JSON.parse(readFileSync("deno.json", "utf8"));
const jsrJson = JSON.parse(readFileSync("jsr.json", "utf8"));
const same = ["name", "version", "exports"].every((key) =>
  JSON.stringify(denoJson[key]) === JSON.stringify(jsrJson[key])
);
checks.push(["jsr.json matches deno.json", same, ""]);

let score = 0;
for (const [name, ok, detail] of checks) {
  if (ok) score++;
  console.log(`${ok ? "✓" : "✗"} ${name}${ok || !detail ? "" : `\n    ${detail}`}`);
}
console.log(
  `local JSR score: ${score}/${checks.length}${score === checks.length ? " (full marks)" : ""}`,
);
console.log(
  "not checkable here: description, runtime compatibility flags and provenance are set on jsr.io",
);
process.exit(score === checks.length ? 0 : 1);
