/**
 * The store contract: every behaviour a session store owes its callers,
 * checked against a real Valkey. Called once per client kind.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore, ValkeyStoreError } from "../mod.ts";
import {
  type ContractContext,
  makeStore,
  randomId,
  raw,
  sessionWith,
  storedKind,
  storedSession,
} from "./helpers/contract_context.ts";
import { sleep } from "./helpers/valkey_servers.ts";

export function storeContract(getContext: () => ContractContext): void {
  describe("reading and writing sessions", () => {
    it("get answers null for a session that was never stored", async () => {
      const store = makeStore(getContext());
      assert.equal(await store.get(randomId()), null);
    });

    it("set stores the session as one JSON string under prefix + id, as 1.0.x and connect-redis do", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      const session = sessionWith({ user: "ada", visits: 3, nested: { ok: true }, "#tag": 1 });
      await store.set(sid, session);
      assert.equal(await raw(ctx, "TYPE", store.prefix + sid), "string");
      assert.equal(await raw(ctx, "GET", store.prefix + sid), JSON.stringify(session));
      assert.deepEqual(await store.get(sid), session);
    });

    it("the key expires with cookie.expires when the cookie has one", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { ttl: 5 });
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }, new Date(Date.now() + 120_000)));
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + sid));
      assert.ok(pttl > 118_000 && pttl <= 120_000, `pttl ${pttl}`);
    });

    it("the key expires after the ttl option when the cookie has no expiry", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { ttl: 77 });
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }));
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + sid));
      assert.ok(pttl > 76_000 && pttl <= 77_000, `pttl ${pttl}`);
    });

    it("a ttl function receives the session and sets the lifetime", async () => {
      const ctx = getContext();
      const seen: unknown[] = [];
      const store = makeStore(ctx, {
        ttl: (sess) => (seen.push(sess.role), sess.role === "admin" ? 30 : 300),
      });
      const sid = randomId();
      await store.set(sid, sessionWith({ role: "admin" }));
      assert.deepEqual(seen, ["admin"]);
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + sid));
      assert.ok(pttl > 29_000 && pttl <= 30_000, `pttl ${pttl}`);
    });

    it("an invalid cookie.expires falls back to the ttl option", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { ttl: 50 });
      const sid = randomId();
      await store.set(sid, { cookie: { expires: "not a date" }, a: 1 });
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + sid));
      assert.ok(pttl > 49_000 && pttl <= 50_000, `pttl ${pttl}`);
    });

    it("setting a session whose cookie already expired removes it", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }));
      await store.set(sid, sessionWith({ a: 2 }, new Date(Date.now() - 1000)));
      assert.equal(await raw(ctx, "EXISTS", store.prefix + sid), 0);
      assert.equal(await store.get(sid), null);
    });

    it("disableTTL stores without expiry and makes touch a no-op", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { disableTTL: true });
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }, new Date(Date.now() + 60_000)));
      assert.equal(await raw(ctx, "PTTL", store.prefix + sid), -1);
      await store.touch(sid, sessionWith({ a: 1 }, new Date(Date.now() + 5_000)));
      assert.equal(await raw(ctx, "PTTL", store.prefix + sid), -1);
    });
  });

  describe("touch", () => {
    it("touch restarts the expiry without changing the session's data", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ cart: ["x"] }, new Date(Date.now() + 10_000)));
      const touched = sessionWith({ cart: ["stale copy"] }, new Date(Date.now() + 600_000));
      await store.touch(sid, touched);
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + sid));
      assert.ok(pttl > 598_000, `pttl ${pttl}`);
      const stored = await storedSession(ctx, store.prefix + sid);
      assert.deepEqual(stored?.cart, ["x"], "touch rewrote the session's data");
      const loaded = await store.get(sid);
      assert.equal(
        loaded?.cookie?.expires,
        (touched.cookie as { expires: string }).expires,
        "get reports the touched expiry",
      );
    });

    it("after a touch, get reports a cookie.expires that matches the refreshed expiry", async () => {
      const store = makeStore(getContext());
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }, new Date(Date.now() + 10_000)));
      const refreshed = new Date(Date.now() + 3_600_000);
      await store.touch(sid, sessionWith({ a: 1 }, refreshed));
      const session = await store.get(sid);
      const expires = Date.parse(String(session?.cookie?.expires));
      assert.ok(
        Math.abs(expires - refreshed.getTime()) < 1_000,
        `${new Date(expires).toISOString()} vs ${refreshed.toISOString()}`,
      );
      assert.equal(session?.a, 1);
    });

    it("disableTouch makes touch a no-op", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { disableTouch: true });
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }, new Date(Date.now() + 10_000)));
      await store.touch(sid, sessionWith({ a: 1 }, new Date(Date.now() + 600_000)));
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + sid));
      assert.ok(pttl <= 10_000, `pttl ${pttl}`);
    });

    it("touch of a session that does not exist creates nothing", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.touch(sid, sessionWith({ a: 1 }));
      assert.equal(await raw(ctx, "EXISTS", store.prefix + sid), 0);
    });

    it("with touchAfter, a touch that would extend the expiry by less than touchAfter is skipped", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { touchAfter: 1 });
      const sid = randomId();
      const key = store.prefix + sid;
      await store.set(sid, sessionWith({ a: 1 }, new Date(Date.now() + 60_000)));
      const first = Number(await raw(ctx, "PTTL", key));
      await store.touch(sid, sessionWith({ a: 1 }, new Date(Date.now() + 60_000)));
      assert.ok(
        Number(await raw(ctx, "PTTL", key)) <= first,
        "a touch right after set was not skipped",
      );
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await store.touch(sid, sessionWith({ a: 1 }, new Date(Date.now() + 60_000)));
      assert.ok(Number(await raw(ctx, "PTTL", key)) > 59_000, "a touch 1.1 s later was skipped");
    });
  });

  describe("scripts", () => {
    it("a server whose script cache was flushed still runs replaces, merges and touchAfter", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { touchAfter: 1 });
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }));
      await raw(ctx, "SCRIPT", "FLUSH");
      await store.set(sid, sessionWith({ a: 2 })); // a replace: the script
      assert.equal((await storedSession(ctx, store.prefix + sid))?.a, 2);
      const loaded = (await store.get(sid))!;
      loaded.a = 3;
      await raw(ctx, "SCRIPT", "FLUSH");
      await store.set(sid, loaded); // a merge: compare-and-set
      assert.equal((await storedSession(ctx, store.prefix + sid))?.a, 3);
      await raw(ctx, "SCRIPT", "FLUSH");
      await store.touch(sid, sessionWith({ a: 1 }, new Date(Date.now() + 300_000)));
      assert.ok(Number(await raw(ctx, "PTTL", store.prefix + sid)) > 298_000);
      await store.destroy(sid);
      await raw(ctx, "SCRIPT", "FLUSH");
      await store.set(sid, sessionWith({ a: 4 }));
      assert.equal(
        await storedKind(ctx, store.prefix + sid),
        "mark",
        "the logout mark was not honoured",
      );
    });
  });

  describe("destroy", () => {
    it("destroy replaces the session by a 10-minute logout mark (an empty string) in the same key", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }));
      await store.destroy(sid);
      const key = store.prefix + sid;
      assert.equal(await raw(ctx, "TYPE", key), "string");
      assert.equal(await raw(ctx, "GET", key), "");
      const pttl = Number(await raw(ctx, "PTTL", key));
      assert.ok(pttl > 590_000 && pttl <= 600_000, `pttl ${pttl}`);
      assert.equal(await store.get(sid), null);
    });

    it("a set that arrives after destroy completed does not bring the session back", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ user: "ada" }));
      const loaded = await store.get(sid);
      await store.destroy(sid);
      // A plain object (replace) and the object the store loaded (merge).
      await store.set(sid, sessionWith({ user: "ada", late: true }));
      loaded!.late = true;
      await store.set(sid, loaded!);
      await store.touch(sid, sessionWith({ user: "ada" }, new Date(Date.now() + 5_000)));
      const key = store.prefix + sid;
      assert.equal(await storedKind(ctx, key), "mark");
      assert.equal(await store.get(sid), null);
      const pttl = Number(await raw(ctx, "PTTL", key));
      assert.ok(pttl > 590_000, `the late writes shortened the mark to ${pttl} ms`);
      assert.ok(pttl <= 600_000, `the late writes lengthened the mark to ${pttl} ms`);
    });

    it("a late save that changed nothing but the cookie's expiry leaves the mark's expiry alone", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ user: "ada" }, new Date(Date.now() + 3_600_000)));
      const loaded = (await store.get(sid))!;
      await store.destroy(sid);
      loaded.cookie!.expires = new Date(Date.now() + 7_200_000).toISOString();
      await store.set(sid, loaded);
      const key = store.prefix + sid;
      assert.equal(await storedKind(ctx, key), "mark");
      const pttl = Number(await raw(ctx, "PTTL", key));
      assert.ok(pttl > 590_000 && pttl <= 600_000, `the late save moved the mark to ${pttl} ms`);
    });

    it("logout wins every race with saves that started before it", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sids = Array.from({ length: 40 }, randomId);
      await Promise.all(sids.map((sid) => store.set(sid, sessionWith({ n: 0 }))));
      await Promise.all(sids.map(async (sid, i) => {
        const saves = [1, 2, 3].map((n) =>
          sleep(i % 5).then(() => store.set(sid, sessionWith({ n })))
        );
        await sleep(i % 3);
        await store.destroy(sid);
        await Promise.all(saves);
      }));
      for (const sid of sids) assert.equal(await storedKind(ctx, store.prefix + sid), "mark", sid);
    });
  });

  describe("clear, length, ids and all", () => {
    it("see only their own store's keys, even with glob characters in prefixes", async () => {
      const ctx = getContext();
      const tag = randomId().slice(0, 6);
      const prefixes = ["a*:", "a:", "q?:", "qx:", "br[1]:", "br1:", "s\\:", "s:"].map((p) =>
        `${ctx.basePrefix ?? ""}${tag}${p}`
      );
      const stores = prefixes.map((prefix) => new ValkeyStore({ client: ctx.client, prefix }));
      for (const [i, store] of stores.entries()) {
        for (let n = 0; n <= i; n++) await store.set(`id${n}`, sessionWith({ n }));
      }
      for (const [i, store] of stores.entries()) {
        assert.equal(await store.length(), i + 1, store.prefix);
        assert.deepEqual(
          (await store.ids()).sort(),
          Array.from({ length: i + 1 }, (_, n) => `id${n}`).sort(),
        );
      }
      await stores[0]!.clear();
      assert.equal(await stores[0]!.length(), 0);
      assert.equal(await stores[1]!.length(), 2, "clear() of a*: touched a:");
      for (const store of stores) await store.clear();
    });

    it("return every session exactly once whatever the scan page size", async () => {
      for (const scanCount of [1, 7, 1000]) {
        const store = makeStore(getContext(), { scanCount });
        const sids = Array.from({ length: 60 }, randomId);
        await Promise.all(sids.map((sid, n) => store.set(sid, sessionWith({ n }))));
        assert.equal(await store.length(), 60);
        assert.deepEqual((await store.ids()).sort(), [...sids].sort());
        const all = await store.all();
        assert.deepEqual(all.map((s) => s.id).sort(), [...sids].sort());
        for (const session of all) assert.equal(session.n, sids.indexOf(session.id));
        let paged = 0;
        for await (const page of store.sessionPages()) paged += page.length;
        assert.equal(paged, 60);
        await store.clear();
        assert.equal(await store.length(), 0);
      }
    });

    it("a custom serializer sees the whole session, and all and get await an async parse", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, {
        serializer: {
          stringify: (value) => "b64:" + btoa(JSON.stringify(value)),
          parse: (text: string) => Promise.resolve(JSON.parse(atob(text.slice(4)))),
        },
      });
      const session = sessionWith({ a: 1, list: [1, 2] });
      await store.set("one", session);
      assert.equal(
        await raw(ctx, "GET", store.prefix + "one"),
        "b64:" + btoa(JSON.stringify(session)),
      );
      const [listed] = await store.all();
      assert.deepEqual(listed, { ...session, id: "one" });
      assert.deepEqual(await store.get("one"), session);
    });
  });

  describe("callbacks and promises", () => {
    it("a callback receives the result once and the promise still resolves", async () => {
      const store = makeStore(getContext());
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }));
      const calls: unknown[][] = [];
      await new Promise<void>((resolve) => {
        store.get(sid, (...args) => {
          calls.push(args);
          resolve();
        });
      });
      await sleep(20);
      assert.equal(calls.length, 1);
      assert.equal(calls[0]![0], null);
      assert.equal((calls[0]![1] as { a: number }).a, 1);
    });

    it("an error goes to the callback only, and rejects the promise when there is none", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await raw(ctx, "SET", store.prefix + sid, "{not json");
      const errors: unknown[] = [];
      const returned = await store.get(sid, (error) => errors.push(error));
      assert.equal(returned, undefined);
      await sleep(20);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof ValkeyStoreError);
      await assert.rejects(store.get(sid), ValkeyStoreError);
    });
  });
}
