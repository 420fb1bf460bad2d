/**
 * Upgrading from connect-valkey 1.0.1 keeps everyone logged in, and so does
 * a rollback: sessions written by the 1.0.1 package (from npm) are read,
 * touched, destroyed, counted, listed and cleared, move to the hash layout
 * on their next write, and `downgradeToV1()` gives them back to 1.0.1.
 * On standalone and cluster.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore as V1Store } from "connect-valkey-1";
import { ValkeyStore } from "../mod.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { kindSuite } from "./helpers/suite.ts";

type Data = Record<string, unknown>;

interface V1 {
  get(sid: string): Promise<Data | null>;
  set(sid: string, session: Data): Promise<unknown>;
  length(): Promise<number>;
}

for (const kind of ["standalone", "cluster"] as const) {
  describe(`sessions of connect-valkey 1.0.1 on a ${kind} Valkey`, () => {
    const env = kindSuite(kind);

    const typeOf = async (key: string) => String(await env.inspect.customCommand(["TYPE", key]));

    it("are read, touched, destroyed, counted, listed, rewritten on write, and given back", async () => {
      const prefix = `v1-${kind}:`;
      const v1 = new V1Store({ client: env.client, prefix } as never) as unknown as V1;
      const store = new ValkeyStore({ client: env.client, prefix });
      const expires = new Date(Date.now() + 3_600_000);
      const written: Record<string, Data> = {};
      for (let n = 0; n < 6; n++) {
        written[`s${n}`] = sessionWith({ user: `u${n}`, n }, expires);
        await v1.set(`s${n}`, written[`s${n}`]!);
      }
      assert.equal(await typeOf(prefix + "s0"), "string");

      // Read: the data as written; the expiry from the key (1.0.1 rounds it up to seconds).
      for (const [sid, session] of Object.entries(written)) {
        const read = (await store.get(sid))!;
        assert.equal(read.user, session.user);
        const drift = Date.parse(String(read.cookie?.expires)) - expires.getTime();
        assert.ok(drift >= 0 && drift <= 1_000, `${sid}: expires drifted ${drift} ms`);
      }
      assert.equal(await store.length(), 6);
      assert.deepEqual((await store.ids()).sort(), Object.keys(written).sort());
      assert.deepEqual(
        (await store.all()).map((s) => s.user).sort(),
        [0, 1, 2, 3, 4, 5].map((n) => `u${n}`),
      );

      // Touch moves the key's expiry and keeps the 1.0.1 layout; get reports it.
      const later = new Date(Date.now() + 7_200_000);
      await store.touch("s1", sessionWith({ user: "u1", n: 1 }, later));
      assert.equal(await typeOf(prefix + "s1"), "string");
      const pttl = Number(await env.inspect.customCommand(["PTTL", prefix + "s1"]));
      assert.ok(pttl > 7_190_000, `pttl ${pttl}`);
      assert.equal(Date.parse(String((await store.get("s1"))!.cookie?.expires)), later.getTime());

      // Destroy leaves a logout mark; a late 1.0.1-era save cannot bring it back.
      await store.destroy("s2");
      await store.set("s2", written.s2!);
      assert.equal(await typeOf(prefix + "s2"), "set");
      assert.equal(await store.get("s2"), null);

      // The next write moves a session to the hash layout, whole.
      const loaded = (await store.get("s3"))!;
      loaded.cart = ["book"];
      await store.set("s3", loaded);
      assert.equal(await typeOf(prefix + "s3"), "hash");
      assert.deepEqual({ ...(await store.get("s3")) }, { ...loaded });
      await store.set("s4", { ...written.s4!, fresh: true });
      assert.equal(await typeOf(prefix + "s4"), "hash");
      assert.equal(await store.length(), 5);

      // Rollback: every session back in the 1.0.1 layout, marks gone; 1.0.1 reads them.
      assert.equal(await store.downgradeToV1(), 2);
      for (const sid of ["s0", "s1", "s3", "s4", "s5"]) {
        assert.equal(await typeOf(prefix + sid), "string", sid);
      }
      assert.equal(await typeOf(prefix + "s2"), "none");
      assert.equal(await v1.length(), 5);
      const back = (await v1.get("s3"))!;
      assert.deepEqual(back.cart, ["book"]);
      assert.equal(back.user, "u3");
      assert.equal((await v1.get("s4"))!.fresh, true);
      const s3ttl = Number(await env.inspect.customCommand(["PTTL", prefix + "s3"]));
      assert.ok(s3ttl > 3_500_000, `the rewritten session lost its expiry: ${s3ttl}`);

      await store.clear();
      assert.equal(await store.length(), 0);
      assert.equal(await v1.length(), 0);
    });
  });
}
