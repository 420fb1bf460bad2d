/**
 * Overlapping requests of one browser over HTTP, with a real Express 5 app
 * and express-session's defaults (`resave: true`, `saveUninitialized: true`):
 * their changes merge instead of overwriting each other, the later save wins
 * for a key both change, and a logout stays final. On standalone and cluster.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, it } from "node:test";
import express from "express";
import session from "express-session";
import { ValkeyStore } from "../mod.ts";
import type { AnyClient } from "./helpers/clients.ts";
import { kindSuite } from "./helpers/suite.ts";
import { decodeHash } from "./helpers/contract_context.ts";
import { CookieClient, listen } from "./helpers/http_client.ts";
import { sleep } from "./helpers/valkey_servers.ts";

type Data = Record<string, unknown>;

/** An app whose routes change one key of the session, possibly slowly. */
function overlapApp(store: ValkeyStore, genid?: () => string) {
  const app = express();
  app.use(session({
    store,
    secret: "merge test",
    resave: true,
    saveUninitialized: true,
    cookie: { maxAge: 3_600_000 },
    ...(genid ? { genid } : {}),
  }));
  const data = (req: express.Request) => req.session as unknown as Data;
  // Sets `key` at once, answers after `delay` ms (express-session saves then).
  app.get("/set", async (req, res) => {
    data(req)[String(req.query.key)] = String(req.query.value);
    await sleep(Number(req.query.delay ?? 0));
    res.json({ id: req.sessionID });
  });
  // Changes nothing; answers after `delay` ms.
  app.get("/read", async (req, res) => {
    await sleep(Number(req.query.delay ?? 0));
    res.json({ id: req.sessionID, session: req.session });
  });
  app.post("/login", (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      data(req).user = String(req.query.user);
      res.json({ id: req.sessionID });
    });
  });
  app.post("/logout", (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
  });
  return app;
}

async function fieldsOf(inspect: AnyClient, key: string): Promise<Record<string, string>> {
  return decodeHash(await inspect.customCommand(["HGETALL", key]));
}

for (const kind of ["standalone", "cluster"] as const) {
  describe(`overlapping requests over HTTP on a ${kind} Valkey`, () => {
    const env = kindSuite(kind);
    let counter = 0;

    async function withApp(
      test: (browser: CookieClient, store: ValkeyStore, sid: string) => Promise<void>,
      genid?: () => string,
    ): Promise<void> {
      const store = new ValkeyStore({ client: env.client, prefix: `http-${kind}-${++counter}:` });
      const server = await listen(createServer(overlapApp(store, genid)));
      try {
        const browser = new CookieClient(server.url);
        const { id } = (await browser.request("GET", "/read")).json as { id: string };
        await test(browser, store, id);
      } finally {
        await server.close();
      }
    }

    it("a slow request setting a and a fast one setting b: both survive", async () => {
      await withApp(async (browser, store, sid) => {
        const slow = browser.request("GET", "/set?key=a&value=slow&delay=300");
        await sleep(50);
        await browser.request("GET", "/set?key=b&value=fast");
        await slow;
        const fields = await fieldsOf(env.inspect, store.prefix + sid);
        assert.equal(fields.a, '"slow"');
        assert.equal(fields.b, '"fast"');
      });
    });

    it("a read-only request that overlaps a write does not revert it", async () => {
      await withApp(async (browser, store, sid) => {
        const reader = browser.request("GET", "/read?delay=300");
        await sleep(50);
        await browser.request("GET", "/set?key=cart&value=book");
        await reader;
        assert.equal((await fieldsOf(env.inspect, store.prefix + sid)).cart, '"book"');
        const after = (await browser.request("GET", "/read")).json as { session: Data };
        assert.equal(after.session.cart, "book");
      });
    });

    it("50 overlapping requests each set their own key: all 50 survive", async () => {
      await withApp(async (browser, store, sid) => {
        await Promise.all(
          Array.from(
            { length: 50 },
            (_, n) => browser.request("GET", `/set?key=k${n}&value=${n}&delay=${(n * 37) % 120}`),
          ),
        );
        const fields = await fieldsOf(env.inspect, store.prefix + sid);
        for (let n = 0; n < 50; n++) assert.equal(fields[`k${n}`], `"${n}"`, `k${n}`);
      });
    });

    it("two requests that change the same key: the later save wins", async () => {
      await withApp(async (browser, store, sid) => {
        // The slow request changes `theme` first but saves last.
        const slow = browser.request("GET", "/set?key=theme&value=slow&delay=300");
        await sleep(50);
        await browser.request("GET", "/set?key=theme&value=fast");
        assert.equal((await fieldsOf(env.inspect, store.prefix + sid)).theme, '"fast"');
        await slow;
        assert.equal((await fieldsOf(env.inspect, store.prefix + sid)).theme, '"slow"');
      });
    });

    it("a logout stays final while a slow request of the same session is still running", async () => {
      await withApp(async (browser, store, sid) => {
        const slow = browser.request("GET", "/set?key=late&value=1&delay=300");
        await sleep(50);
        await browser.request("POST", "/logout");
        await slow;
        assert.equal(String(await env.inspect.customCommand(["TYPE", store.prefix + sid])), "set");
        assert.equal(await store.get(sid), null);
      });
    });

    it("a session regenerated under the same id after a logout is stored (deterministic genid)", async () => {
      const fixed = `fixed-${kind}-${Date.now()}`;
      await withApp(async (browser, store) => {
        await browser.request("POST", "/logout");
        assert.equal(
          String(await env.inspect.customCommand(["TYPE", store.prefix + fixed])),
          "set",
        );
        const login = await browser.request("POST", "/login?user=ada");
        assert.equal((login.json as { id: string }).id, fixed);
        assert.equal(
          String(await env.inspect.customCommand(["TYPE", store.prefix + fixed])),
          "hash",
        );
        assert.equal((await store.get(fixed))?.user, "ada");
        const read = (await browser.request("GET", "/read")).json as { session: Data };
        assert.equal(read.session.user, "ada");
      }, () => fixed);
    });
  });
}
