/**
 * Reads the JUnit reports of the three runtimes and prints one line per
 * runtime plus a total line `N passed, M failed`. Exits 1 when a test
 * failed, when a report is missing, or when a runtime ran no test.
 *
 * Deno reports `describe` groups as test cases too: only leaves (cases no
 * other case is nested under) are counted, in every report.
 *
 * Usage: deno run -A scripts/summarize_tests.ts deno=.tmp/deno.xml bun=.tmp/bun.xml node=.tmp/node.xml
 */
import { existsSync, readFileSync } from "node:fs";

interface Case {
  name: string;
  failed: boolean;
  skipped: boolean;
}

function readCases(xml: string): Case[] {
  const cases: Case[] = [];
  const pattern = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(pattern)) {
    const body = match[3] ?? "";
    cases.push({
      name: (/\bname="([^"]*)"/.exec(match[1] ?? "")?.[1] ?? "").replaceAll("&gt;", ">"),
      failed: /<(failure|error)\b/.test(body),
      skipped: /<skipped\b/.test(body),
    });
  }
  // A case that another case's name continues ("group > test") is a group.
  const names = cases.map((c) => c.name);
  return cases.filter((c) => !names.some((name) => name.startsWith(c.name + " > ")));
}

let passed = 0;
let failed = 0;
let broken = false;
for (const argument of process.argv.slice(2)) {
  const [runtime, path] = argument.split("=") as [string, string];
  if (!existsSync(path)) {
    console.log(`${runtime}: no report (${path}): the run did not finish`);
    broken = true;
    continue;
  }
  const cases = readCases(readFileSync(path, "utf8"));
  const fail = cases.filter((c) => c.failed).length;
  const skip = cases.filter((c) => c.skipped).length;
  const pass = cases.length - fail - skip;
  passed += pass;
  failed += fail;
  if (cases.length === 0) broken = true;
  console.log(`${runtime}: ${pass} passed, ${fail} failed, ${skip} skipped`);
  for (const c of cases.filter((c) => c.failed)) console.log(`  FAILED ${c.name}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken ? 1 : 0);
