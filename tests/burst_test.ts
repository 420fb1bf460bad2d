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

  it("past 50,000 waiting commands a call fails at once with OVERLOADED, whole, and the rest succeed", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "over:" });
    const calls = Array.from({ length: 55_000 }, (_, n) => store.set(`s${n}`, { cookie: {}, n }));
    const settled = await Promise.allSettled(calls);
    const rejected = settled.filter((s) => s.status === "rejected") as PromiseRejectedResult[];
    // A set sends its write and its expiry together: fewer than 50,000 calls fit.
    assert.ok(rejected.length >= 5_000, `only ${rejected.length} calls were refused`);
    for (const { reason } of rejected) {
      assert.ok(reason instanceof ValkeyStoreError);
      assert.equal(reason.code, "OVERLOADED");
    }
    assert.match(String(rejected[0]!.reason.message), /commands are already waiting for Valkey/);
    // Refused calls wrote nothing, admitted ones everything (their expiry too).
    const written = settled.flatMap((s, n) => s.status === "fulfilled" ? [n] : []);
    assert.equal(await store.length(), written.length);
    for (const n of written.filter((_, i) => i % 500 === 0)) {
      const pttl = Number(await env.client.customCommand(["PTTL", `over:s${n}`]));
      assert.ok(pttl > 0, `s${n} was written without its expiry (${pttl})`);
    }
    const refused = settled.findIndex((s) => s.status === "rejected");
    assert.equal(await env.client.customCommand(["EXISTS", `over:s${refused}`]), 0);
    await store.clear();
  });
});
