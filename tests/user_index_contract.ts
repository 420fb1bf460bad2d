/**
 * The user index: `userSessions()` and `destroyUserSessions()` follow
 * logins, logouts, account switches and expiry, never outlive their
 * sessions, and end sessions as finally as `destroy()`. Called once per
 * client kind.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ContractContext,
  makeStore,
  raw,
  sessionWith,
  storedKind,
  storedSession,
} from "./helpers/contract_context.ts";
import { waitUntil } from "./helpers/valkey_servers.ts";

type Data = Record<string, unknown>;
const passport = (user: string | number, extra: Data = {}, expires?: Date) =>
  sessionWith({ passport: { user }, ...extra }, expires ?? new Date(Date.now() + 3_600_000));
const byPassport = (session: Data) => (session.passport as { user?: string } | undefined)?.user;

export function userIndexContract(getContext: () => ContractContext): void {
  describe("sessions of a user", () => {
    const storeWithUsers = (ctx: ContractContext) => makeStore(ctx, { userId: byPassport });
    const index = (prefix: string, user: string) => prefix + "user-index:" + user;

    it("follow login, logout and destroy; the index scores each session by its expiry", async () => {
      const ctx = getContext();
      const store = storeWithUsers(ctx);
      const expires = new Date(Date.now() + 3_600_000);
      await store.set("phone", passport("ada", { ua: "phone" }, expires));
      await store.set("laptop", passport("ada", { ua: "laptop" }));
      await store.set("anon", sessionWith({ ua: "anon" }));
      const found = await store.userSessions("ada");
      assert.deepEqual(found.map((s) => s.id).sort(), ["laptop", "phone"]);
      assert.equal(found.find((s) => s.id === "phone")?.ua, "phone");
      assert.equal(
        Number(await raw(ctx, "ZSCORE", index(store.prefix, "ada"), "phone")),
        expires.getTime(),
      );
      assert.equal(
        Number(await raw(ctx, "PEXPIRETIME", index(store.prefix, "ada"))) >= expires.getTime(),
        true,
      );
      await store.destroy("phone");
      assert.equal(await raw(ctx, "ZSCORE", index(store.prefix, "ada"), "phone"), null);
      assert.deepEqual((await store.userSessions("ada")).map((s) => s.id), ["laptop"]);
    });

    it("numbers and strings name the same user", async () => {
      const store = storeWithUsers(getContext());
      await store.set("n1", passport(42));
      assert.deepEqual((await store.userSessions(42)).map((s) => s.id), ["n1"]);
      assert.deepEqual((await store.userSessions("42")).map((s) => s.id), ["n1"]);
    });

    it("a session that switches accounts moves from one user to the other", async () => {
      const ctx = getContext();
      const store = storeWithUsers(ctx);
      await store.set("merged", passport("ada"));
      const loaded = (await store.get("merged"))!;
      loaded.passport = { user: "bob" };
      await store.set("merged", loaded);
      loaded.seen = 1;
      await store.set("merged", loaded);
      const stored = await storedSession(ctx, store.prefix + "merged");
      assert.deepEqual(stored?.passport, { user: "bob" }, "a later save lost the session's user");
      assert.equal(stored?.seen, 1);
      await store.set("replaced", passport("ada"));
      await store.set("replaced", passport("bob"));
      assert.deepEqual((await store.userSessions("ada")).map((s) => s.id), []);
      assert.deepEqual((await store.userSessions("bob")).map((s) => s.id).sort(), [
        "merged",
        "replaced",
      ]);
      await waitUntil(
        async () => Number(await raw(ctx, "ZCARD", index(store.prefix, "ada"))) === 0,
        2_000,
        () => "the old user's index kept the sessions",
      );
    });

    it("1,000 sessions that expire leave no session and no index key behind", async () => {
      const ctx = getContext();
      const store = storeWithUsers(ctx);
      const expires = new Date(Date.now() + 1_500);
      await Promise.all(
        Array.from(
          { length: 1_000 },
          (_, n) => store.set(`e${n}`, passport("eve", { n }, expires)),
        ),
      );
      assert.equal((await store.userSessions("eve")).length, 1_000);
      await waitUntil(
        async () => (await store.userSessions("eve")).length === 0,
        5_000,
        () => "expired sessions are still listed",
      );
      await waitUntil(
        async () => Number(await raw(ctx, "EXISTS", index(store.prefix, "eve"))) === 0,
        5_000,
        () => "the index key outlived its sessions",
      );
    });

    it("destroyUserSessions ends every session of the user but those in except", async () => {
      const ctx = getContext();
      const store = storeWithUsers(ctx);
      for (const sid of ["a1", "a2", "a3", "a4"]) await store.set(sid, passport("ann"));
      await store.set("b1", passport("ben"));
      assert.equal(await store.destroyUserSessions("ann", { except: "a1" }), 3);
      assert.deepEqual((await store.userSessions("ann")).map((s) => s.id), ["a1"]);
      for (const sid of ["a2", "a3", "a4"]) {
        assert.equal(await storedKind(ctx, store.prefix + sid), "mark", `${sid} is not marked`);
      }
      assert.equal((await store.get("b1"))?.passport !== undefined, true);
      assert.equal(await store.destroyUserSessions("ann", { except: ["a1", "zz"] }), 0);
      assert.equal(await store.destroyUserSessions("ann"), 1);
      assert.equal(await store.get("a1"), null);
      assert.deepEqual(await store.userSessions("ann"), []);
    });

    it("saves in flight cannot bring ended sessions back, and a login started after stays", async () => {
      const ctx = getContext();
      const store = storeWithUsers(ctx);
      const sids = Array.from({ length: 20 }, (_, n) => `f${n}`);
      for (const sid of sids) await store.set(sid, passport("fay"));
      const inFlight = await Promise.all(sids.map((sid) => store.get(sid)));
      const ending = store.destroyUserSessions("fay");
      const saves = inFlight.map((session, n) => {
        session!.late = n;
        return store.set(sids[n]!, session!);
      });
      const ended = await ending;
      await Promise.all(saves);
      await store.set("new-device", passport("fay"));
      assert.ok(ended > 0);
      for (const sid of sids) assert.equal(await store.get(sid), null, sid);
      assert.deepEqual((await store.userSessions("fay")).map((s) => s.id), ["new-device"]);
    });

    it("scans see sessions only, and clear removes the indexes", async () => {
      const ctx = getContext();
      const store = storeWithUsers(ctx);
      await store.set("g1", passport("gus"));
      await store.set("g2", passport("gus"));
      assert.equal(await store.length(), 2);
      assert.deepEqual((await store.ids()).sort(), ["g1", "g2"]);
      await store.clear();
      assert.equal(Number(await raw(ctx, "EXISTS", index(store.prefix, "gus"))), 0);
      assert.deepEqual(await store.userSessions("gus"), []);
    });

    it("without the userId option there is no index, and the user methods say why", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      await store.set("h1", passport("hal"));
      assert.equal(Number(await raw(ctx, "EXISTS", index(store.prefix, "hal"))), 0);
      await assert.rejects(store.userSessions("hal"), /without the "userId" option/);
      await assert.rejects(
        storeWithUsers(ctx).destroyUserSessions(""),
        /"userId" must be a non-empty string or a number/,
      );
    });
  });
}
