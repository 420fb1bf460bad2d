/**
 * Real servers over HTTP: Express 5, Express 4 and connect with
 * express-session, and Fastify 5 with @fastify/session. Each flow logs in,
 * changes the session over several requests, checks the key and its TTL in
 * Valkey with a separate client, logs out and checks the session is gone
 * (a logout mark holds its key).
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import express from "express";
import { ValkeyStore } from "../mod.ts";
import { createConnectServer } from "../examples/connect_app.ts";
import { createExpressApp } from "../examples/express_app.ts";
import { createFastifyApp } from "../examples/fastify_app.ts";
import { type AnyClient, clusterClient, standaloneClient } from "./helpers/clients.ts";
import { express4 } from "./helpers/express4.ts";
import { CookieClient, listen } from "./helpers/http_client.ts";
import { startCluster, startStandalone, type ValkeyDeployment } from "./helpers/valkey_servers.ts";

interface Env {
  client: AnyClient;
  inspect: AnyClient;
}

async function loginCountLogout(base: string, env: Env, store: ValkeyStore): Promise<void> {
  const browser = new CookieClient(base);
  assert.equal((await browser.request("GET", "/count")).status, 401);
  const login = await browser.request("POST", "/login?user=ada", {});
  assert.equal(login.status, 200, login.text);
  const sid = (login.json as { id: string }).id;
  const key = store.prefix + sid;
  for (let n = 1; n <= 3; n++) {
    const count = await browser.request("GET", "/count");
    assert.equal(count.status, 200, count.text);
    assert.deepEqual(count.json, { user: "ada", views: n, id: sid });
  }
  const stored = JSON.parse(String(await env.inspect.customCommand(["GET", key])));
  assert.equal(stored.views, 3);
  assert.equal(stored.user, "ada");
  const pttl = Number(await env.inspect.customCommand(["PTTL", key]));
  assert.ok(pttl > 3_590_000 && pttl <= 3_600_000, `pttl ${pttl}`);
  assert.equal((await browser.request("POST", "/logout", {})).status, 200);
  assert.equal(await env.inspect.customCommand(["GET", key]), "", "no logout mark");
  assert.equal(await store.get(sid), null);
  assert.equal((await browser.request("GET", "/count")).status, 401);
}

for (const kind of ["standalone", "cluster"] as const) {
  describe(`frameworks on a ${kind} Valkey`, () => {
    let deployment: ValkeyDeployment;
    let env: Env;
    before(async () => {
      deployment = kind === "standalone" ? await startStandalone() : await startCluster(0);
      const make = kind === "standalone" ? standaloneClient : clusterClient;
      env = { client: await make(deployment), inspect: await make(deployment) };
    });
    after(async () => {
      env?.client.close();
      env?.inspect.close();
      await deployment?.stop();
    });

    for (const [version, createExpress] of [[5, express], [4, express4]] as const) {
      it(`an Express ${version} app keeps the session across requests and ends it at logout`, async () => {
        const store = new ValkeyStore({ client: env.client, prefix: `e${version}-${kind}:` });
        const server = await listen(createServer(createExpressApp(store, createExpress)));
        try {
          await loginCountLogout(server.url, env, store);
        } finally {
          await server.close();
        }
      });
    }

    it("a Fastify 5 app with @fastify/session keeps the session and ends it at logout", async () => {
      const store = new ValkeyStore({ client: env.client, prefix: `fy-${kind}:` });
      const app = await createFastifyApp(store);
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      try {
        await loginCountLogout(url, env, store);
      } finally {
        await app.close();
      }
    });

    it("a connect app counts views in the session", async () => {
      const store = new ValkeyStore({ client: env.client, prefix: `cn-${kind}:` });
      const server = await listen(createConnectServer(store));
      try {
        const browser = new CookieClient(server.url);
        for (let n = 1; n <= 3; n++) {
          assert.deepEqual((await browser.request("GET", "/")).json, { views: n });
        }
        assert.equal(await store.length(), 1);
      } finally {
        await server.close();
      }
    });

    it("express-session answers 500 when a stored session is corrupt, and keeps serving others", async () => {
      const store = new ValkeyStore({ client: env.client, prefix: `bad-${kind}:` });
      const server = await listen(createServer(createExpressApp(store)));
      try {
        const browser = new CookieClient(server.url);
        const sid = ((await browser.request("POST", "/login", {})).json as { id: string }).id;
        await env.inspect.customCommand(["SET", store.prefix + sid, "{corrupt"]);
        assert.equal((await browser.request("GET", "/count")).status, 500);
        const other = new CookieClient(server.url);
        assert.equal((await other.request("POST", "/login", {})).status, 200);
        assert.equal((await other.request("GET", "/count")).status, 200);
      } finally {
        await server.close();
      }
    });
  });
}
