/**
 * The format is connect-valkey 1.0.1's: sessions written by the 1.0.1
 * package (from npm) are read, merged, touched, destroyed, counted and
 * listed by this store, and 1.0.1 reads what this store writes, a logout
 * mark as no session (its `all()` skips marks too). On standalone and
 * cluster.
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
  all(): Promise<Data[]>;
  length(): Promise<number>;
}

for (const kind of ["standalone", "cluster"] as const) {
  describe(`sessions shared with connect-valkey 1.0.1 on a ${kind} Valkey`, () => {
    const env = kindSuite(kind);

    it("are read, merged, touched, destroyed, counted and listed both ways", async () => {
      const prefix = `v1-${kind}:`;
      const v1 = new V1Store({ client: env.client, prefix } as never) as unknown as V1;
      const store = new ValkeyStore({ client: env.client, prefix });
      const expires = new Date(Date.now() + 3_600_000);
      const written: Record<string, Data> = {};
      for (let n = 0; n < 6; n++) {
        written[`s${n}`] = sessionWith({ user: `u${n}`, n }, expires);
        await v1.set(`s${n}`, written[`s${n}`]!);
      }

      // Read: the data as written; the expiry from the key (1.0.1 rounds it up to seconds).
      for (const [sid, session] of Object.entries(written)) {
        const read = (await store.get(sid))!;
        assert.equal(read.user, session.user);
        const drift = Date.parse(String(read.cookie?.expires)) - expires.getTime();
        assert.ok(drift >= 0 && drift <= 1_000, `${sid}: expires drifted ${drift} ms`);
      }
      assert.equal(await store.length(), 6);
      assert.deepEqual((await store.ids()).sort(), Object.keys(written).sort());

      // Touch moves the key's expiry; both stores read the session.
      const later = new Date(Date.now() + 7_200_000);
      await store.touch("s1", sessionWith({ user: "u1", n: 1 }, later));
      assert.equal(Date.parse(String((await store.get("s1"))!.cookie?.expires)), later.getTime());
      assert.equal((await v1.get("s1"))!.user, "u1");

      // A merge of a 1.0.1 session onto what 1.0.1 wrote meanwhile keeps both.
      const loaded = (await store.get("s3"))!;
      await v1.set("s3", { ...written.s3!, fromOld: true });
      loaded.cart = ["book"];
      await store.set("s3", loaded);
      const back = (await v1.get("s3"))!;
      assert.deepEqual(back.cart, ["book"]);
      assert.equal(back.fromOld, true);

      // A logout mark reads as no session in 1.0.1, and its all() skips it.
      await store.destroy("s2");
      assert.equal(await v1.get("s2"), null);
      assert.equal(await store.get("s2"), null);
      assert.deepEqual((await v1.all()).map((s) => s.user).sort(), ["u0", "u1", "u3", "u4", "u5"]);
      assert.equal(await store.length(), 5, "a mark is not a session");

      await store.clear();
      assert.equal(await v1.length(), 0);
    });
  });
}
