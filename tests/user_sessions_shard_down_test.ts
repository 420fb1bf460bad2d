/**
 * Sessions of a user live in many slots: with one shard down (and the
 * others serving, `cluster-require-full-coverage no`), `userSessions()` and
 * `destroyUserSessions()` fail with an error that says so, never a partial
 * answer presented as complete.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore, ValkeyStoreError } from "../mod.ts";
import { hashSlot } from "../src/_connection/hash_slot.ts";
import { clusterSuite } from "./helpers/suite.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { ownerOf, readPrimaries } from "./helpers/cluster_layout.ts";
import { stopProcess } from "./helpers/valkey_servers.ts";

describe("sessions of a user while a shard is down", () => {
  const env = clusterSuite(0);

  it("userSessions and destroyUserSessions fail instead of answering in part", async () => {
    const store = new ValkeyStore({
      client: env.client,
      prefix: "usd:",
      clusterDownWait: 1_000,
      userId: (s) => s.user as string,
    });
    const sids = Array.from({ length: 30 }, (_, n) => `s${n}`);
    await Promise.all(sids.map((sid) => store.set(sid, sessionWith({ user: "ada", sid }))));
    assert.equal((await store.userSessions("ada")).length, 30);
    const primaries = await readPrimaries(env.deployment.nodes);
    const index = store.prefix + "user-index:ada";
    const owner = (key: string) => ownerOf(primaries, hashSlot(key))!.id;
    // The dead shard holds some of the sessions but not the index.
    const victim = primaries.find((p) =>
      p.id !== owner(index) && sids.some((sid) => owner(store.prefix + sid) === p.id)
    )!;
    await stopProcess(env.deployment.nodes.find((n) => n.port === victim.port)!, "SIGKILL");
    for (const call of [() => store.userSessions("ada"), () => store.destroyUserSessions("ada")]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof ValkeyStoreError, String(error));
        assert.ok(["CLUSTER_DOWN", "UNREACHABLE"].includes(error.code), error.message);
        return true;
      });
    }
  });
});
