/** Which runtime runs the tests, and how to start a fixture script in a child process of the same runtime. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const runtime: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** Compiled tests (the npm build) run `.js` fixtures; Deno and Bun run the `.ts` sources. */
const extension = import.meta.url.endsWith(".js") ? "js" : "ts";

export interface ChildResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `tests/fixtures/<name>` in the current runtime; kills it after `timeoutMs`. */
export function runFixture(name: string, args: string[], timeoutMs: number): Promise<ChildResult> {
  const file = fileURLToPath(new URL(`../fixtures/${name}.${extension}`, import.meta.url));
  const command = runtime === "deno" ? ["run", "-A", file, ...args] : [file, ...args];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The repository root, found from this file (tests/ in the sources, npm/esm/tests/ in the build). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "scripts", "build_npm.ts"))) dir = dirname(dir);
  return dir;
}
