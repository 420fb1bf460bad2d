/**
 * Valkey going away and coming back: calls fail fast with an error that
 * says Valkey could not be reached and which operation failed; an Express
 * app answers 500 and stays up; once the server is back on the same
 * address the same store and client serve again, with the sessions written
 * before the outage (appendonly, appendfsync always, SIGKILL).
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, it } from "node:test";
import { ValkeyStore, ValkeyStoreError } from "../mod.ts";
import { createExpressApp } from "../examples/express_app.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { CookieClient, listen } from "./helpers/http_client.ts";
import { sleep, startProcess, stopProcess } from "./helpers/valkey_servers.ts";
import { standaloneSuite } from "./helpers/suite.ts";

describe("Valkey down and back", () => {
  const env = standaloneSuite(["--appendonly", "yes", "--appendfsync", "always"]);

  it("calls fail fast while Valkey is down, and the same store serves again when it is back", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "outage:" });
    const sids = Array.from({ length: 50 }, (_, n) => `s${n}`);
    await Promise.all(sids.map((sid) => store.set(sid, sessionWith({ sid }))));
    const app = await listen(createServer(createExpressApp(store)));
    const browser = new CookieClient(app.url);
    assert.equal((await browser.request("POST", "/login", {})).status, 200);
    assert.equal((await browser.request("GET", "/count")).status, 200);

    const node = env.deployment.nodes[0]!;
    await stopProcess(node, "SIGKILL");
    try {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["get", () => store.get("s1")],
        ["set", () => store.set("s1", sessionWith({}))],
        ["touch", () => store.touch("s1", sessionWith({}))],
        ["destroy", () => store.destroy("s2")],
        ["length", () => store.length()],
        ["all", () => store.all()],
        ["clear", () => store.clear()],
      ];
      for (const [operation, call] of calls) {
        const started = Date.now();
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof ValkeyStoreError, String(error));
          assert.equal(error.code, "UNREACHABLE", error.message);
          assert.equal(error.operation, operation);
          assert.match(
            error.message,
            new RegExp(`ValkeyStore\\.${operation}\\(.*could not reach Valkey`),
          );
          return true;
        });
        const ms = Date.now() - started;
        assert.ok(ms < 1_000, `${operation} took ${ms} ms to fail`);
      }
      // express-session turns the store error into a 500; the process stays up.
      assert.equal((await browser.request("GET", "/count")).status, 500);
    } finally {
      await startProcess(node);
    }

    // The same store and client serve again once reconnected (bounded wait).
    const deadline = Date.now() + 15_000;
    let back = false;
    while (!back && Date.now() < deadline) {
      back = await store.get("s1").then(() => true, () => false);
      if (!back) await sleep(100);
    }
    assert.ok(back, "the store did not serve again within 15 s");
    for (const sid of sids) assert.equal((await store.get(sid))?.sid, sid, `${sid} was lost`);
    assert.equal((await browser.request("GET", "/count")).status, 200);
    await app.close();
  });
});
