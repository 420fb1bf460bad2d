/**
 * Hono with @hono/session backed by the store (served over real HTTP by
 * @hono/node-server, in whichever runtime runs the tests), and a Deno
 * server that uses express-session through `npm:` imports, run as a Deno
 * child process.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { serve } from "@hono/node-server";
import { ValkeyStore } from "../mod.ts";
import { createHonoApp } from "../examples/hono_app.ts";
import { standaloneSuite } from "./helpers/suite.ts";
import { CookieClient } from "./helpers/http_client.ts";
import { sleep } from "./helpers/valkey_servers.ts";
import { repoRoot } from "./helpers/runtime.ts";

describe("Hono and a Deno server", () => {
  const env = standaloneSuite();

  it("a Hono app with @hono/session keeps its session in Valkey and ends it at logout", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "hono:", ttl: 600 });
    const server = serve({ fetch: createHonoApp(store).fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const browser = new CookieClient(url);
      assert.equal((await browser.request("GET", "/count")).status, 401);
      const login = await browser.request("POST", "/login");
      const sid = (login.json as { id: string }).id;
      assert.ok(sid, login.text);
      for (let n = 1; n <= 3; n++) {
        assert.deepEqual((await browser.request("GET", "/count")).json, {
          user: "ada",
          views: n,
          id: sid,
        });
      }
      // @hono/session does not wait for set(): allow the last write a moment to land.
      const views = async () =>
        JSON.parse(String(await env.client.customCommand(["GET", "hono:" + sid]))).views;
      for (let i = 0; i < 50 && (await views()) !== 3; i++) await sleep(10);
      assert.equal(await views(), 3);
      const pttl = Number(await env.client.customCommand(["PTTL", "hono:" + sid]));
      assert.ok(pttl > 590_000 && pttl <= 600_000, `pttl ${pttl}`);
      await browser.request("POST", "/logout");
      // @hono/session does not wait for delete(): allow it a moment to land.
      for (
        let i = 0;
        i < 50 && (await env.client.customCommand(["GET", "hono:" + sid])) !== "";
        i++
      ) await sleep(10);
      assert.equal(await env.client.customCommand(["GET", "hono:" + sid]), "", "no logout mark");
      assert.equal((await browser.request("GET", "/count")).status, 401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a Deno server using express-session through npm: imports counts views", async () => {
    const root = repoRoot();
    const deno = join(root, "node_modules", ".bin", "deno");
    const child = spawn(deno, [
      "run",
      "-A",
      join(root, "examples", "deno_express.ts"),
      "--valkey-port",
      String(env.deployment.nodes[0]!.port),
      "--port",
      "0",
    ], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "listening" within 60 s: ${stderr}`)),
          60_000,
        );
        child.stdout.on("data", (chunk: Buffer) => {
          const match = /listening (\d+)/.exec(String(chunk));
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
        child.once("exit", (code) => reject(new Error(`deno exited with ${code}: ${stderr}`)));
      });
      const browser = new CookieClient(`http://127.0.0.1:${port}`);
      for (let n = 1; n <= 3; n++) {
        assert.deepEqual((await browser.request("GET", "/")).json, { views: n, runtime: "deno" });
      }
      const keys = String(await env.client.customCommand(["KEYS", "deno:*"]));
      assert.match(keys, /^deno:/);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
