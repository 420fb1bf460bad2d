/**
 * Emits the npm package into `npm/` from the Deno sources (what dnt would
 * do, with the TypeScript compiler from npm), then runs the test suite
 * under Node against the emitted package.
 *
 * 1. Stage `mod.ts`, `src/`, `tests/`, `examples/` and `bench/` in `npm/.stage`, rewriting
 *    `npm:pkg@range/path` specifiers to bare `pkg/path`.
 * 2. Compile with tsc to ESM JavaScript and `.d.ts` in `npm/esm`
 *    (relative `.ts` imports become `.js`).
 * 3. Fix `.ts` extensions left in `.d.ts` files.
 * 4. Write `npm/package.json` (dependencies from deno.json's imports,
 *    express-session as an optional peer), copy README, LICENSE, CHANGELOG.
 * 5. Run `node --test` on the compiled tests, which import `../mod.js`:
 *    the emitted package itself.
 *
 * Usage: deno task build:npm [--skip-tests]
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "npm");
const stage = join(out, ".stage");
const esm = join(out, "esm");
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const devPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// Packages the library itself imports, and how each is declared on npm.
const PEER_OPTIONAL = new Set(["express-session"]);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** `npm:name@range/sub` → `{ name, range, sub }`. */
function parseNpmSpecifier(specifier: string): { name: string; range: string; sub: string } {
  const body = specifier.slice(4);
  const scoped = body.startsWith("@");
  const at = body.indexOf("@", scoped ? 1 : 0);
  const nameEnd = at === -1 ? body.indexOf("/", scoped ? body.indexOf("/") + 1 : 0) : at;
  const name = body.slice(0, nameEnd === -1 ? body.length : nameEnd);
  const rest = body.slice(name.length);
  const slash = rest.indexOf("/");
  const range = rest.startsWith("@") ? rest.slice(1, slash === -1 ? undefined : slash) : "*";
  const sub = slash === -1 ? "" : rest.slice(slash);
  return { name, range, sub };
}

function stageSources(): Map<string, string> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const used = new Map<string, string>();
  const files = [
    "mod.ts",
    ...["src", "tests", "examples", "bench"].flatMap((dir) => walk(join(root, dir))),
  ]
    .map((file) => (file.startsWith(root) ? file : join(root, file)));
  for (const file of files) {
    const target = join(stage, relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    let text = readFileSync(file, "utf8");
    if (file.endsWith(".ts")) {
      // Only the library's own imports become package dependencies.
      const library = file === join(root, "mod.ts") || file.startsWith(join(root, "src"));
      text = text.replace(/(["'])npm:([^"']+)\1/g, (_match, quote: string, spec: string) => {
        const { name, range, sub } = parseNpmSpecifier(`npm:${spec}`);
        if (library) used.set(name, range);
        return `${quote}${name}${sub}${quote}`;
      });
    }
    writeFileSync(target, text);
  }
  for (const [name, specifier] of Object.entries(denoJson.imports as Record<string, string>)) {
    if (specifier.startsWith("npm:")) used.set(name, parseNpmSpecifier(specifier).range);
  }
  writeFileSync(join(stage, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(
    join(stage, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"],
        types: ["node"],
        typeRoots: [join(root, "node_modules/@types")],
        strict: true,
        noUncheckedIndexedAccess: true,
        isolatedDeclarations: true,
        declaration: true,
        rewriteRelativeImportExtensions: true,
        skipLibCheck: true,
        rootDir: ".",
        outDir: esm,
      },
      include: ["mod.ts", "src", "tests", "examples", "bench"],
    }),
  );
  return used;
}

function compile(): void {
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  const result = spawnSync("node", [tsc, "-p", join(stage, "tsconfig.json")], {
    stdio: "inherit",
    cwd: stage,
  });
  if (result.status !== 0) throw new Error("tsc failed");
  // tsc keeps `.ts` in declaration imports; consumers' compilers need `.js`.
  for (const file of walk(esm).filter((f) => f.endsWith(".d.ts"))) {
    const text = readFileSync(file, "utf8");
    const fixed = text.replace(/(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2");
    if (fixed !== text) writeFileSync(file, fixed);
  }
  rmSync(stage, { recursive: true, force: true });
}

function writePackage(used: Map<string, string>): void {
  const dependencies: Record<string, string> = {};
  const peerDependencies: Record<string, string> = {};
  for (const [name, range] of used) {
    if (PEER_OPTIONAL.has(name)) peerDependencies[name] = range;
    else dependencies[name] = range;
  }
  const manifest = {
    name: "connect-valkey",
    version: denoJson.version,
    description:
      "Valkey session store for express-session, connect and @fastify/session, built on @valkey/valkey-glide; standalone and cluster",
    license: denoJson.license,
    type: "module",
    engines: devPackage.engines,
    main: "./esm/mod.js",
    types: "./esm/mod.d.ts",
    exports: {
      ".": { types: "./esm/mod.d.ts", default: "./esm/mod.js" },
      "./package.json": "./package.json",
    },
    files: ["esm/mod.js", "esm/mod.d.ts", "esm/src/", "README.md", "LICENSE", "CHANGELOG.md"],
    sideEffects: false,
    keywords: [
      "valkey",
      "session",
      "express-session",
      "connect",
      "fastify",
      "glide",
      "redis",
      "cluster",
    ],
    dependencies,
    peerDependencies,
    peerDependenciesMeta: Object.fromEntries(
      [...Object.keys(peerDependencies)].map((name) => [name, { optional: true }]),
    ),
  };
  writeFileSync(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  for (const file of ["README.md", "LICENSE", "CHANGELOG.md"]) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(out, file));
  }
}

/** Runs the compiled suite under Node; returns its exit code. */
export function runNodeTests(extraArgs: string[] = []): number {
  const tests = walk(join(esm, "tests")).filter((file) => file.endsWith("_test.js")).sort();
  const result = spawnSync(
    "node",
    [
      "--test",
      "--test-concurrency=1",
      ...(extraArgs.length > 0 ? extraArgs : ["--test-reporter=spec"]),
      ...tests,
    ],
    { stdio: "inherit", cwd: root },
  );
  return result.status ?? 1;
}

if (import.meta.main ?? true) {
  const args = process.argv.slice(2);
  // --only-tests: run the Node suite on an existing build; other --test-* flags go to node --test.
  if (!args.includes("--only-tests")) {
    const used = stageSources();
    compile();
    writePackage(used);
    console.log(`build_npm: emitted ${relative(root, out)}/ (connect-valkey@${denoJson.version})`);
  }
  if (!args.includes("--skip-tests")) {
    const reporters = args.filter((arg) => arg.startsWith("--test-"));
    if (reporters.length > 0) {
      reporters.push("--test-reporter=spec", "--test-reporter-destination=stdout");
    }
    process.exit(runNodeTests(reporters));
  }
}
