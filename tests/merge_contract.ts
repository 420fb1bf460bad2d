/**
 * The merge's promises, checked against a real Valkey: saves of loaded
 * sessions merge (compare-and-set), other saves replace, a logout stays final inside
 * the prefix, get gives back exactly what was saved, and the TTL rules of
 * connect-valkey 1.0.x. Called once per client kind.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStoreError } from "../mod.ts";
import {
  type ContractContext,
  makeStore,
  randomId,
  raw,
  sessionWith,
  storedKind,
  storedSession,
  writeKey,
} from "./helpers/contract_context.ts";

const inAnHour = () => new Date(Date.now() + 3_600_000);

export function mergeContract(getContext: () => ContractContext): void {
  describe("merging saves of loaded sessions", () => {
    it("two loaded copies that change different keys both survive", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 0, b: 0, c: "kept" }, inAnHour()));
      const first = (await store.get(sid))!;
      const second = (await store.get(sid))!;
      first.a = 1;
      second.b = 2;
      await store.set(sid, first);
      await store.set(sid, second);
      const stored = await storedSession(ctx, store.prefix + sid);
      assert.equal(stored?.a, 1);
      assert.equal(stored?.b, 2);
      assert.equal(stored?.c, "kept");
    });

    it("a save that changed nothing does not revert what another request wrote", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ cart: [] }, inAnHour()));
      const readOnly = (await store.get(sid))!;
      const writer = (await store.get(sid))!;
      writer.cart = ["book"];
      await store.set(sid, writer);
      const later = new Date(Date.now() + 7_200_000);
      readOnly.cookie!.expires = later.toISOString();
      await store.set(sid, readOnly);
      const stored = await storedSession(ctx, store.prefix + sid);
      assert.deepEqual(stored?.cart, ["book"]);
      // Only cookie.expires changed: the key's expiry carries it, and get() reports it.
      assert.equal(Number(await raw(ctx, "PEXPIRETIME", store.prefix + sid)), later.getTime());
      assert.deepEqual((await store.get(sid))?.cookie, readOnly.cookie);
    });

    it("a save that changed the cookie beyond its expiry writes it", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }, inAnHour()));
      const loaded = (await store.get(sid))!;
      (loaded.cookie as Record<string, unknown>).secure = true;
      await store.set(sid, loaded);
      assert.equal(
        ((await storedSession(ctx, store.prefix + sid))?.cookie as Record<string, unknown>).secure,
        true,
      );
    });

    it("the later save wins for a key both changed", async () => {
      const store = makeStore(getContext());
      const sid = randomId();
      await store.set(sid, sessionWith({ theme: "light" }));
      const first = (await store.get(sid))!;
      const second = (await store.get(sid))!;
      first.theme = "dark";
      second.theme = "blue";
      await store.set(sid, first);
      await store.set(sid, second);
      assert.equal((await store.get(sid))?.theme, "blue");
    });

    it("a key the request deleted is deleted, and keys others added stay", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ flash: "hello", user: "ada" }));
      const loaded = (await store.get(sid))!;
      await writeKey(ctx, store.prefix + sid, "other", "from elsewhere");
      delete loaded.flash;
      await store.set(sid, loaded);
      const stored = await storedSession(ctx, store.prefix + sid);
      assert.equal(stored?.flash, undefined);
      assert.equal(stored?.other, "from elsewhere");
      assert.equal(stored?.user, "ada");
    });

    it("a loaded session saved twice merges against what it wrote", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ n: 0 }));
      const loaded = (await store.get(sid))!;
      loaded.n = 1;
      await store.set(sid, loaded);
      await writeKey(ctx, store.prefix + sid, "n", 5);
      loaded.m = 1;
      await store.set(sid, loaded);
      const stored = await storedSession(ctx, store.prefix + sid);
      assert.equal(stored?.n, 5, "an unchanged key was written again");
      assert.equal(stored?.m, 1);
    });

    it("a merge onto a session that expired meanwhile stores the whole session", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ user: "ada", n: 0 }, inAnHour()));
      const loaded = (await store.get(sid))!;
      await raw(ctx, "DEL", store.prefix + sid);
      loaded.n = 1;
      await store.set(sid, loaded);
      assert.deepEqual(await store.get(sid), loaded);
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + sid));
      assert.ok(pttl > 3_590_000, `pttl ${pttl}`);
    });

    it("a replace with disableTTL removes the expiry the session had", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1 }, inAnHour()));
      const forever = makeStore(ctx, { prefix: store.prefix, disableTTL: true });
      await forever.set(sid, sessionWith({ a: 2 }, inAnHour()));
      assert.equal(Number(await raw(ctx, "PTTL", store.prefix + sid)), -1);
      assert.equal((await store.get(sid))?.a, 2);
    });

    it("a session the store did not load replaces what is stored", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ a: 1, b: 1 }));
      await store.set(sid, sessionWith({ a: 2 }));
      const stored = await storedSession(ctx, store.prefix + sid);
      assert.equal(stored?.b, undefined);
      assert.equal(stored?.a, 2);
    });
  });

  describe("logout marks", () => {
    it("a session express-session generates after the logout is stored and lifts the mark", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.set(sid, sessionWith({ user: "ada" }));
      await store.destroy(sid);
      // What express-session does: it sets store.generate, then calls it.
      store.generate = (req) => {
        req.sessionID = sid;
        req.session = sessionWith({ user: "bob" });
      };
      const req: { sessionID?: string; session?: Record<string, unknown> } = {};
      store.generate!(req);
      await store.set(sid, req.session!);
      assert.equal(await storedKind(ctx, store.prefix + sid), "session");
      assert.equal((await store.get(sid))?.user, "bob");
    });

    it("clear removes logout marks, so the id can be used again", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const sid = randomId();
      await store.destroy(sid);
      assert.equal(await storedKind(ctx, store.prefix + sid), "mark");
      await store.clear();
      assert.equal(await storedKind(ctx, store.prefix + sid), "none");
      await store.set(sid, sessionWith({ a: 1 }));
      assert.equal((await store.get(sid))?.a, 1);
    });

    it("length, ids, all and sessionPages never count a mark or another non-session key", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      await Promise.all(["s1", "s2", "s3"].map((sid) => store.set(sid, sessionWith({ sid }))));
      await store.destroy("s2");
      await store.destroy("never-existed");
      await raw(ctx, "ZADD", store.prefix + "user-index:x", "1", "s1");
      assert.equal(await store.length(), 2);
      assert.deepEqual((await store.ids()).sort(), ["s1", "s3"]);
      assert.deepEqual((await store.all()).map((s) => s.id).sort(), ["s1", "s3"]);
      let paged = 0;
      for await (const page of store.sessionPages()) paged += page.length;
      assert.equal(paged, 2);
    });
  });

  describe("exact round trip and the TTL rules of 1.0.x", () => {
    it("after touch, get reports the key's expiry as cookie.expires, to the millisecond", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      await store.set("touched", sessionWith({ user: "ada" }, inAnHour()));
      const later = new Date(Date.now() + 7_200_321);
      await store.touch("touched", sessionWith({ user: "stale" }, later));
      const session = await store.get("touched");
      assert.equal(session?.cookie?.expires, later.toISOString());
      assert.equal(session?.user, "ada");
      assert.equal(
        Number(await raw(ctx, "PEXPIRETIME", store.prefix + "touched")),
        later.getTime(),
      );
    });

    it("get gives back exactly what was saved, cookie.expires to the millisecond", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const expires = new Date(Date.now() + 3_600_123);
      const session = sessionWith({ user: "ada" }, expires);
      await store.set("exact", session);
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.deepEqual(await store.get("exact"), session);
      assert.equal(
        Number(await raw(ctx, "PEXPIRETIME", store.prefix + "exact")),
        expires.getTime(),
      );
    });

    it("a ttl function decides even when the cookie has an expiry", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { ttl: () => 30 });
      await store.set("fn", sessionWith({ a: 1 }, inAnHour()));
      const pttl = Number(await raw(ctx, "PTTL", store.prefix + "fn"));
      assert.ok(pttl > 29_000 && pttl <= 30_000, `pttl ${pttl}`);
    });

    it("disableTTL deletes a session whose cookie has already expired", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, { disableTTL: true });
      await store.set("gone", sessionWith({ a: 1 }));
      await store.set("gone", sessionWith({ a: 1 }, new Date(Date.now() - 1_000)));
      assert.equal(await storedKind(ctx, store.prefix + "gone"), "none");
    });

    it("a stored session without a cookie fails createSession with an error naming the id", async () => {
      const store = makeStore(getContext());
      await store.set("nocookie", { a: 1 });
      const data = (await store.get("nocookie"))!;
      assert.throws(() => store.createSession({ sessionID: "nocookie" }, data), (error) => {
        assert.ok(error instanceof ValkeyStoreError);
        assert.equal(error.sessionId, "nocookie");
        assert.match(error.message, /no cookie/);
        return true;
      });
    });

    it("the options are readable on the store", () => {
      const serializer = { parse: JSON.parse, stringify: JSON.stringify };
      const store = makeStore(getContext(), {
        ttl: 60,
        scanCount: 7,
        serializer,
        disableTouch: true,
        disableTTL: false,
      });
      assert.equal(store.ttl, 60);
      assert.equal(store.scanCount, 7);
      assert.equal(store.serializer, serializer);
      assert.equal(store.disableTouch, true);
      assert.equal(store.disableTTL, false);
    });
  });
}
