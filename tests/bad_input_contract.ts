/** Bad stored values and unusual input: an error for that call, never a crash; odd data round-trips. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStoreError } from "../mod.ts";
import {
  type ContractContext,
  makeStore,
  randomId,
  raw,
  sessionWith,
} from "./helpers/contract_context.ts";

export function badInputContract(getContext: () => ContractContext): void {
  describe("bad stored values and unusual input", () => {
    for (
      const [what, write] of [
        [
          "text that is not JSON",
          (ctx: ContractContext, key: string) => raw(ctx, "SET", key, "hello"),
        ],
        [
          "truncated JSON",
          (ctx: ContractContext, key: string) => raw(ctx, "SET", key, '{"cookie":{"expires"'),
        ],
        [
          "JSON that is not an object",
          (ctx: ContractContext, key: string) => raw(ctx, "SET", key, "[1,2]"),
        ],
        ["a hash", (ctx: ContractContext, key: string) => raw(ctx, "HSET", key, "f", "v")],
        ["a list", (ctx: ContractContext, key: string) => raw(ctx, "RPUSH", key, "v")],
      ] as const
    ) {
      it(`get of a key holding ${what} fails with a corrupt-session error naming the id`, async () => {
        const ctx = getContext();
        const store = makeStore(ctx);
        const sid = randomId();
        await write(ctx, store.prefix + sid);
        await assert.rejects(store.get(sid), (error: unknown) => {
          assert.ok(error instanceof ValkeyStoreError);
          assert.equal(error.code, "CORRUPT_SESSION");
          assert.equal(error.sessionId, sid);
          assert.match(error.message, new RegExp(sid));
          return true;
        });
        // The store keeps serving other sessions.
        await store.set("fine", sessionWith({ ok: 1 }));
        assert.equal((await store.get("fine"))?.ok, 1);
      });
    }

    it("a failing command does not fail the other calls pipelined with it", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const good = Array.from({ length: 30 }, (_, n) => `good${n}`);
      await Promise.all(good.map((sid) => store.set(sid, sessionWith({ sid }))));
      await raw(ctx, "HSET", store.prefix + "bad", "f", "v");
      // Issued in the same tick, so they leave in the same pipeline(s).
      const results = await Promise.allSettled([
        ...good.slice(0, 15).map((sid) => store.get(sid)),
        store.get("bad"),
        ...good.slice(15).map((sid) => store.get(sid)),
      ]);
      const bad = results[15]!;
      assert.equal(bad.status, "rejected");
      const others = results.filter((_, i) => i !== 15);
      assert.deepEqual(
        others.map((r) => r.status === "fulfilled" ? (r.value as { sid: string }).sid : "rejected"),
        good,
      );
    });

    it("all fails with an error naming the corrupt entry when one is among good ones", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      await store.set("good1", sessionWith({ a: 1 }));
      await store.set("good2", sessionWith({ a: 2 }));
      await raw(ctx, "SET", store.prefix + "broken", "{oops");
      await assert.rejects(store.all(), (error: unknown) => {
        assert.ok(error instanceof ValkeyStoreError);
        assert.equal(error.code, "CORRUPT_SESSION");
        assert.equal(error.sessionId, "broken");
        return true;
      });
      assert.equal(await store.length(), 3, "all() must not delete anything");
    });

    it("unicode, emoji and a 1 MiB session round-trip unchanged", async () => {
      const store = makeStore(getContext());
      const big = "x".repeat(1024 * 1024);
      const session = sessionWith({ name: "Zoë 東京 🎉👩‍💻", rtl: "مرحبا", big });
      await store.set("big", session);
      assert.deepEqual(await store.get("big"), session);
    });

    it("session ids with glob characters, spaces, backslashes and unicode stay isolated", async () => {
      const ctx = getContext();
      const store = makeStore(ctx);
      const ids = [
        "a:b",
        "*",
        "a*",
        "?",
        "[x]",
        "[",
        "]",
        "back\\slash",
        "with space",
        "ünï-🎉",
        "{tag}x",
      ];
      for (const [n, sid] of ids.entries()) await store.set(sid, sessionWith({ n }));
      for (const [n, sid] of ids.entries()) assert.equal((await store.get(sid))?.n, n, sid);
      assert.deepEqual((await store.ids()).sort(), [...ids].sort());
      await store.destroy("*");
      assert.equal(await store.get("*"), null);
      assert.equal(
        await store.length(),
        ids.length - 1,
        "destroy('*') removed more than one session",
      );
      assert.equal(await raw(ctx, "EXISTS", store.prefix + "a*"), 1);
    });

    it("a ttl function returning something other than a number fails that call", async () => {
      const store = makeStore(getContext(), { ttl: () => Number("nope") });
      await assert.rejects(store.set(randomId(), { a: 1 }), /ttl function must return a number/);
    });

    it("a serializer that throws fails that call and stores nothing", async () => {
      const ctx = getContext();
      const store = makeStore(ctx, {
        serializer: {
          parse: JSON.parse,
          stringify: () => {
            throw new Error("boom");
          },
        },
      });
      const sid = randomId();
      await assert.rejects(store.set(sid, { a: 1 }), /could not be serialized \(boom\)/);
      assert.equal(await raw(ctx, "EXISTS", store.prefix + sid), 0);
    });
  });
}
