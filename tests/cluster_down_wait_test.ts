/**
 * `clusterDownWait` bounds the ride-through: on the server's defaults, a
 * cluster that lost a primary with no replica stays down, and a call fails
 * with a CLUSTER_DOWN error once the budget is spent, saying so and how
 * long it waited. The option is validated like every other one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore, type ValkeyStoreOptions } from "../mod.ts";
import { ValkeyStoreError } from "../mod.ts";
import { hashSlot } from "../src/_connection/hash_slot.ts";
import { clusterSuite } from "./helpers/suite.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { ownerOf, readPrimaries } from "./helpers/cluster_layout.ts";
import { cli, stopProcess, waitUntil } from "./helpers/valkey_servers.ts";

describe("clusterDownWait on a cluster that stays down", () => {
  const env = clusterSuite(0, { serverDefaults: true });

  it("a call fails with CLUSTER_DOWN once clusterDownWait is spent, and at once with 0", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "cd:", clusterDownWait: 1_500 });
    const impatient = new ValkeyStore({ client: env.client, prefix: "cd:", clusterDownWait: 0 });
    const sids = Array.from({ length: 30 }, (_, n) => `s${n}`);
    await Promise.all(sids.map((sid) => store.set(sid, sessionWith({ sid }))));
    const primaries = await readPrimaries(env.deployment.nodes);
    const victim = primaries[0]!;
    const healthy = sids.find((sid) =>
      ownerOf(primaries, hashSlot(store.prefix + sid))!.id !== victim.id
    )!;
    await stopProcess(env.deployment.nodes.find((n) => n.port === victim.port)!, "SIGKILL");
    const survivor = env.deployment.nodes.find((n) => n.process !== undefined)!;
    await waitUntil(
      async () => (await cli(survivor.port, "cluster", "info")).includes("cluster_state:fail"),
      10_000,
      () => "the cluster never noticed the dead primary",
    );

    let started = Date.now();
    await assert.rejects(store.get(healthy), (error: unknown) => {
      assert.ok(error instanceof ValkeyStoreError, String(error));
      assert.equal(error.code, "CLUSTER_DOWN", error.message);
      assert.match(error.message, /the cluster (was down|did not serve this key) for \d+ ms \(/);
      assert.match(error.message, /clusterDownWait \(1500 ms\)/);
      console.log(`after ${Date.now() - started} ms: ${error.message}`);
      return true;
    });
    let took = Date.now() - started;
    assert.ok(took >= 1_400 && took < 1_500 + 1_000, `gave up after ${took} ms`);

    started = Date.now();
    await assert.rejects(impatient.get(healthy), (error: unknown) => {
      assert.ok(error instanceof ValkeyStoreError, String(error));
      console.log(`clusterDownWait 0, after ${Date.now() - started} ms: ${error.message}`);
      return true;
    });
    took = Date.now() - started;
    assert.ok(took < 1_200, `clusterDownWait 0 still waited ${took} ms`);
  });

  const cases: Array<[string, unknown, typeof TypeError | typeof RangeError, string]> = [
    ["a negative clusterDownWait", -1, RangeError, "0 or a positive number of milliseconds"],
    ["an infinite clusterDownWait", Infinity, RangeError, "0 or a positive number of milliseconds"],
    ["a string clusterDownWait", "10s", TypeError, 'a number of milliseconds, received "10s"'],
  ];
  for (const [what, value, kind, message] of cases) {
    for (const option of ["clusterDownWait", "scanReshardWait"]) {
      const label = what.replace("clusterDownWait", option);
      it(`${label} throws a ${kind.name} that names the option`, () => {
        assert.throws(
          () =>
            new ValkeyStore(
              { client: env.client, [option]: value } as unknown as ValkeyStoreOptions,
            ),
          (error: unknown) => {
            assert.ok(error instanceof kind, String(error));
            assert.ok(
              (error as Error).message.includes(`"${option}" must be ${message}`),
              (error as Error).message,
            );
            return true;
          },
        );
      });
    }
  }
});
