/**
 * Bursts on one store with a default GLIDE client (in-flight limit 1000):
 * thousands of concurrent calls all succeed, GLIDE's in-flight error never
 * reaches a caller, and past the store's queue bound callers get a clear
 * OVERLOADED error at once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore, ValkeyStoreError } from "../mod.ts";
import { standaloneSuite } from "./helpers/suite.ts";
import { sessionWith } from "./helpers/contract_context.ts";

describe("bursts", () => {
  const env = standaloneSuite();

  it("5,000 concurrent set() then 5,000 concurrent get() all succeed", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "burst:" });
    const sids = Array.from({ length: 5_000 }, (_, n) => `s${n}`);
    const payload = "x".repeat(1_000);
    await Promise.all(sids.map((sid) => store.set(sid, sessionWith({ sid, payload }))));
    const sessions = await Promise.all(sids.map((sid) => store.get(sid)));
    sessions.forEach((session, n) => assert.equal(session?.sid, `s${n}`));
    assert.equal(Number(await env.client.customCommand(["DBSIZE"])), 5_000);
  });

  it("20,000 concurrent mixed calls never surface GLIDE's in-flight limit", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "mixed:" });
    const calls = Array.from(
      { length: 20_000 },
      (_, n) =>
        n % 2 === 0 ? store.set(`s${n % 1000}`, sessionWith({ n })) : store.get(`s${n % 1000}`),
    );
    const settled = await Promise.allSettled(calls);
    const failures = settled.filter((s) => s.status === "rejected") as PromiseRejectedResult[];
    assert.deepEqual(failures.map((f) => String(f.reason)).slice(0, 3), []);
  });

  it("past 50,000 waiting commands a call fails at once with OVERLOADED, and the rest succeed", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "over:" });
    const calls = Array.from({ length: 55_000 }, (_, n) => store.set(`s${n}`, { cookie: {}, n }));
    const settled = await Promise.allSettled(calls);
    const rejected = settled.filter((s) => s.status === "rejected") as PromiseRejectedResult[];
    assert.equal(rejected.length, 5_000);
    for (const { reason } of rejected) {
      assert.ok(reason instanceof ValkeyStoreError);
      assert.equal(reason.code, "OVERLOADED");
    }
    assert.match(String(rejected[0]!.reason.message), /commands are already waiting for Valkey/);
    assert.equal(await store.length(), 50_000);
    await store.clear();
  });
});
