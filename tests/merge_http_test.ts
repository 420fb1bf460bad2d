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
import type { GlideClient } from "@valkey/valkey-glide";
import type { AnyClient } from "./helpers/clients.ts";
import { kindSuite } from "./helpers/suite.ts";
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

/** EVALSHA and EVAL calls so far on every primary (`INFO commandstats`): the store's scripts. */
async function scriptCalls(inspect: AnyClient): Promise<number> {
  const reply = await (inspect as GlideClient).customCommand(
    ["INFO", "commandstats"],
    ...("fcallWithRoute" in inspect ? [{ route: "allPrimaries" }] : []) as [],
  );
  // Standalone: the text; cluster: one text per primary (a record, or GLIDE's {key, value} list).
  const texts = typeof reply === "string"
    ? [reply]
    : Array.isArray(reply)
    ? reply.map((entry) => String((entry as { value: unknown }).value))
    : Object.values(reply as object).map(String);
  let calls = 0;
  for (const text of texts) {
    for (const match of text.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) {
      calls += Number(match[1]);
    }
  }
  return calls;
}

async function storedOf(inspect: AnyClient, key: string): Promise<Data> {
  return JSON.parse(String(await inspect.customCommand(["GET", key])));
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
        const stored = await storedOf(env.inspect, store.prefix + sid);
        assert.equal(stored.a, "slow");
        assert.equal(stored.b, "fast");
      });
    });

    it("a read-only request that overlaps a write does not revert it", async () => {
      await withApp(async (browser, store, sid) => {
        const reader = browser.request("GET", "/read?delay=300");
        await sleep(50);
        await browser.request("GET", "/set?key=cart&value=book");
        await reader;
        assert.equal((await storedOf(env.inspect, store.prefix + sid)).cart, "book");
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
        const stored = await storedOf(env.inspect, store.prefix + sid);
        for (let n = 0; n < 50; n++) assert.equal(stored[`k${n}`], `${n}`, `k${n}`);
      });
    });

    it("20 overlapping requests over 4 app instances, each setting its own key: all 20 survive", async () => {
      // Four stores stand for four app processes behind one balancer: saves
      // of one process never conflict with each other, other processes' do.
      const prefix = `http-${kind}-${++counter}:`;
      const stores = Array.from(
        { length: 4 },
        () => new ValkeyStore({ client: env.client, prefix }),
      );
      const servers = await Promise.all(
        stores.map((store) => listen(createServer(overlapApp(store)))),
      );
      try {
        const first = new CookieClient(servers[0]!.url);
        const { id } = (await first.request("GET", "/read")).json as { id: string };
        const browsers = servers.map((server) => first.withBase(server.url));
        const before = await scriptCalls(env.inspect);
        const answers = await Promise.all(
          Array.from(
            { length: 20 },
            (_, n) =>
              browsers[n % 4]!.request("GET", `/set?key=k${n}&value=${n}&delay=${(n * 29) % 80}`),
          ),
        );
        const tries = await scriptCalls(env.inspect) - before;
        for (const answer of answers) assert.equal(answer.status, 200, answer.text);
        const stored = await storedOf(env.inspect, prefix + id);
        for (let n = 0; n < 20; n++) assert.equal(stored[`k${n}`], `${n}`, `k${n}`);
        // Each save is one compare-and-set, plus one per conflict with another process.
        assert.ok(tries >= 20, `only ${tries} compare-and-set calls for 20 saves`);
        console.log(
          `20 overlapping saves over 4 processes (${kind}): ${tries} compare-and-set calls, ` +
            `${((tries - 20) / 20).toFixed(2)} extra round trips per save`,
        );
      } finally {
        await Promise.all(servers.map((server) => server.close()));
      }
    });

    it("two requests that change the same key: the later save wins", async () => {
      await withApp(async (browser, store, sid) => {
        // The slow request changes `theme` first but saves last.
        const slow = browser.request("GET", "/set?key=theme&value=slow&delay=300");
        await sleep(50);
        await browser.request("GET", "/set?key=theme&value=fast");
        assert.equal((await storedOf(env.inspect, store.prefix + sid)).theme, "fast");
        await slow;
        assert.equal((await storedOf(env.inspect, store.prefix + sid)).theme, "slow");
      });
    });

    it("a logout stays final while a slow request of the same session is still running", async () => {
      await withApp(async (browser, store, sid) => {
        const slow = browser.request("GET", "/set?key=late&value=1&delay=300");
        await sleep(50);
        await browser.request("POST", "/logout");
        await slow;
        assert.equal(await env.inspect.customCommand(["GET", store.prefix + sid]), "", "no mark");
        assert.equal(await store.get(sid), null);
      });
    });

    it("a session regenerated under the same id after a logout is stored (deterministic genid)", async () => {
      const fixed = `fixed-${kind}-${Date.now()}`;
      await withApp(async (browser, store) => {
        await browser.request("POST", "/logout");
        assert.equal(await env.inspect.customCommand(["GET", store.prefix + fixed]), "");
        const login = await browser.request("POST", "/login?user=ada");
        assert.equal((login.json as { id: string }).id, fixed);
        assert.equal((await storedOf(env.inspect, store.prefix + fixed)).user, "ada");
        assert.equal((await store.get(fixed))?.user, "ada");
        const read = (await browser.request("GET", "/read")).json as { session: Data };
        assert.equal(read.session.user, "ada");
      }, () => fixed);
    });
  });
}
