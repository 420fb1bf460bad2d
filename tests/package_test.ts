/**
 * The npm package as a consumer gets it: the `npm pack` tarball of npm/,
 * installed with `npm install` into empty folders. An Express app loads it
 * with `import` and with `require` under Node; a Fastify app runs in a
 * project where npm did not install express-session (an optional peer);
 * a consumer type-checks with TypeScript 5 and 7 (skipLibCheck: false).
 * Needs `npm/` (scripts/test.sh builds it first).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { startStandalone, type ValkeyDeployment } from "./helpers/valkey_servers.ts";
import { repoRoot } from "./helpers/runtime.ts";

const run = promisify(execFile);

const root = repoRoot();

/** An empty folder where a consumer runs `npm install <tarball> …packages` (npm's cache makes it quick). */
async function consumer(tarball: string, packages: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "connect-valkey-consumer-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  await run("npm", [
    "install",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    tarball,
    ...packages,
  ], {
    cwd: dir,
    timeout: 180_000,
  });
  return dir;
}

const EXPRESS_APP = (load: string) =>
  `${load}
async function main() {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: Number(process.argv[2]) }] });
  const app = express();
  app.use(session({ store: new ValkeyStore({ client, prefix: "pkg:" }), secret: "s", resave: false, saveUninitialized: false }));
  app.get("/", (req, res) => { req.session.views = (req.session.views || 0) + 1; res.json({ views: req.session.views }); });
  const server = app.listen(0, "127.0.0.1", async () => {
    const url = "http://127.0.0.1:" + server.address().port + "/";
    let cookie = "";
    const views = [];
    for (let i = 0; i < 3; i++) {
      const response = await fetch(url, { headers: cookie ? { cookie } : {} });
      cookie = cookie || response.headers.getSetCookie()[0].split(";")[0];
      views.push((await response.json()).views);
    }
    console.log(JSON.stringify({ views }));
    server.close();
    client.close();
  });
}
main();
`;

describe("the packed npm package in a consumer project", () => {
  let valkey: ValkeyDeployment;
  let tarball: string;
  let packDir: string;
  // Two consumer projects: an Express one (also used for the type checks), and a
  // Fastify one in which express-session is not installed.
  let expressApp: string;
  let fastifyApp: string;
  before(async () => {
    assert.ok(
      existsSync(join(root, "npm", "package.json")),
      "npm/ is missing: run deno task build:npm first",
    );
    valkey = await startStandalone();
    packDir = mkdtempSync(join(tmpdir(), "connect-valkey-pack-"));
    const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", packDir], {
      cwd: join(root, "npm"),
    });
    tarball = join(packDir, stdout.trim().split("\n").pop()!);
    expressApp = await consumer(tarball, [
      "express@5",
      "express-session@1",
      "@types/express@5",
      "@types/express-session@1",
      "@types/node@22",
      "fastify@5",
      "@fastify/session@11",
      "@fastify/cookie@11",
    ]);
    fastifyApp = await consumer(tarball, [
      "fastify@5",
      "@fastify/session@11",
      "@fastify/cookie@11",
    ]);
  });
  after(async () => {
    await valkey?.stop();
    for (const dir of [packDir, expressApp, fastifyApp]) {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ships the library, its types, README and LICENSE, and no tests", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n");
    for (
      const file of [
        "package/esm/mod.js",
        "package/esm/mod.d.ts",
        "package/esm/src/store.js",
        "package/README.md",
        "package/LICENSE",
      ]
    ) {
      assert.ok(files.includes(file), `${file} missing`);
    }
    assert.ok(
      !files.some((file) => file.includes("/tests/") || file.includes("/bench/")),
      "tests or bench shipped",
    );
    const manifest = JSON.parse(readFileSync(join(root, "npm", "package.json"), "utf8"));
    assert.equal(manifest.peerDependenciesMeta["express-session"].optional, true);
    assert.ok(manifest.dependencies["@valkey/valkey-glide"]);
  });

  for (
    const [kind, file, load] of [
      [
        "import (ESM)",
        "app.mjs",
        `import { GlideClient } from "@valkey/valkey-glide";\nimport express from "express";\nimport session from "express-session";\nimport { ValkeyStore } from "connect-valkey";`,
      ],
      [
        "require (CommonJS)",
        "app.cjs",
        `const { GlideClient } = require("@valkey/valkey-glide");\nconst express = require("express");\nconst session = require("express-session");\nconst { ValkeyStore } = require("connect-valkey");`,
      ],
    ] as const
  ) {
    it(`an Express app loads it with ${kind} and keeps its session`, async () => {
      const dir = expressApp;
      writeFileSync(join(dir, file), EXPRESS_APP(load));
      const { stdout } = await run("node", [join(dir, file), String(valkey.nodes[0]!.port)], {
        timeout: 30_000,
      });
      assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop()!), { views: [1, 2, 3] });
    });
  }

  it("a Fastify app works in a project where express-session is not installed", async () => {
    const dir = fastifyApp;
    assert.ok(
      !existsSync(join(dir, "node_modules", "express-session")),
      "npm installed express-session",
    );
    writeFileSync(
      join(dir, "app.mjs"),
      `
import { GlideClient } from "@valkey/valkey-glide";
import Fastify from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifySession from "@fastify/session";
import { ValkeyStore } from "connect-valkey";
let missing = false;
try { await import("express-session"); } catch { missing = true; }
const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: Number(process.argv[2]) }] });
const app = Fastify();
await app.register(fastifyCookie);
await app.register(fastifySession, { secret: "a secret with at least thirty-two characters!", store: new ValkeyStore({ client, prefix: "fy-pkg:" }), cookie: { secure: false } });
app.get("/", async (request) => { const views = (request.session.get("views") ?? 0) + 1; request.session.set("views", views); return { views }; });
const url = await app.listen({ port: 0, host: "127.0.0.1" });
let cookie = "";
const views = [];
for (let i = 0; i < 3; i++) {
  const response = await fetch(url + "/", { headers: cookie ? { cookie } : {} });
  cookie = cookie || response.headers.getSetCookie()[0].split(";")[0];
  views.push((await response.json()).views);
}
console.log(JSON.stringify({ missing, views }));
await app.close();
client.close();
`,
    );
    const { stdout } = await run("node", [join(dir, "app.mjs"), String(valkey.nodes[0]!.port)], {
      timeout: 30_000,
    });
    assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop()!), {
      missing: true,
      views: [1, 2, 3],
    });
  });

  for (
    const [compiler, bin] of [["TypeScript 5", "typescript/bin/tsc"], [
      "TypeScript 7",
      "typescript7/bin/tsc",
    ]] as const
  ) {
    it(`a consumer type-checks with ${compiler} and skipLibCheck: false`, async () => {
      const dir = expressApp;
      writeFileSync(
        join(dir, "consumer.ts"),
        `
import { GlideClient } from "@valkey/valkey-glide";
import session from "express-session";
import type { SessionStore } from "@fastify/session";
import { ValkeyStore, ValkeyStoreError, type ValkeyStoreOptions } from "connect-valkey";
export async function make(): Promise<void> {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: 6379 }] });
  const options: ValkeyStoreOptions = { client, prefix: "p:", ttl: (sess) => (sess.cookie ? 60 : 30) };
  const store = new ValkeyStore(options);
  session({ store, secret: "s" });
  const fastifyStore: SessionStore = store;
  const found = await store.get("sid");
  store.get("sid", (error, value) => void [error, value]);
  if (found?.cookie?.expires) await store.touch("sid", found);
  const count: number = await store.length();
  const error = new ValkeyStoreError("get", "UNREACHABLE", "x");
  void [fastifyStore, count, error.code];
}
`,
      );
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            module: "NodeNext",
            moduleResolution: "NodeNext",
            target: "ES2022",
            types: ["node"],
          },
          files: ["consumer.ts"],
        }),
      );
      const tsc = join(root, "node_modules", bin);
      const result = await run("node", [tsc, "-p", dir], { cwd: dir }).then(
        () => ({ stdout: "", code: 0 }),
        (error: { stdout: string }) => ({ stdout: error.stdout, code: 1 }),
      );
      assert.equal(result.code, 0, result.stdout);
    });
  }
});
