/**
 * Failover with `clusterDownWait: 0` (no waiting): a primary is SIGKILLed
 * while requests keep coming. Sessions on the other shards keep working
 * throughout (the harness allows partial coverage); errors for the dead
 * shard come back fast and never crash; once the replica is promoted, the
 * same store and client serve that shard again, with the sessions it had
 * replicated. The default budget is tested in cluster_failover_defaults_test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import { clusterSuite } from "./helpers/suite.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { readPrimaries, seedAcrossShards } from "./helpers/cluster_layout.ts";
import { cli, sleep, stopProcess } from "./helpers/valkey_servers.ts";

describe("a cluster losing a primary", () => {
  const env = clusterSuite(1);

  it("other shards keep serving, the dead shard fails fast, and the promoted replica serves it again", async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "fo:", clusterDownWait: 0 });
    const { sids, victim, shardOf, onVictim, elsewhere } = await seedAcrossShards(
      store,
      env.deployment.nodes,
    );
    assert.ok(onVictim.length > 50 && elsewhere.length > 100);

    const victimErrors = new Map<string, number>();
    const results = {
      otherOk: 0,
      otherFailed: 0,
      victimOk: 0,
      victimFailed: 0,
      slowestFailureMs: 0,
    };
    const node = env.deployment.nodes.find((n) => n.port === victim.port)!;
    await stopProcess(node, "SIGKILL");
    const killedAt = Date.now();

    // Keep requests coming until the shard is served again (bounded: 30 s).
    let recoveredAfter = -1;
    for (let round = 0; Date.now() - killedAt < 30_000; round++) {
      const sample = [
        ...elsewhere.slice(round % 50, (round % 50) + 10),
        ...onVictim.slice(round % 40, (round % 40) + 5),
      ];
      await Promise.all(sample.map(async (sid) => {
        const started = Date.now();
        const mine = shardOf(sid) === victim.id;
        try {
          const session = await store.get(sid);
          assert.equal(session?.sid, sid);
          await store.touch(sid, sessionWith({ sid }));
          if (mine) results.victimOk++;
          else results.otherOk++;
        } catch (error) {
          if (mine) {
            results.victimFailed++;
            const text = String(error).replace(/"[^"]*"/g, '"…"').replace(
              /\d+ [\d.]+:\d+/,
              "<slot> <address>",
            );
            victimErrors.set(text, (victimErrors.get(text) ?? 0) + 1);
          } else results.otherFailed++;
          results.slowestFailureMs = Math.max(results.slowestFailureMs, Date.now() - started);
          if (!mine) console.log(`a request on a healthy shard failed: ${String(error)}`);
        }
      }));
      if (results.victimOk > 0 && recoveredAfter < 0) recoveredAfter = Date.now() - killedAt;
      if (recoveredAfter >= 0 && Date.now() - killedAt > recoveredAfter + 1_000) break;
      await sleep(20);
    }
    console.log(
      `failover: ${JSON.stringify(results)}, shard served again after ${recoveredAfter} ms`,
    );
    console.log(`errors for the dead shard: ${JSON.stringify([...victimErrors])}`);
    if (recoveredAfter < 0) {
      const now = await readPrimaries(env.deployment.nodes);
      const sizes = await Promise.all(
        env.deployment.nodes.filter((n) => n.process !== undefined).map(async (n) =>
          `${n.port}:${(await cli(n.port, "dbsize")).trim()}:${
            (await cli(n.port, "role")).split("\n")[0]
          }`
        ),
      );
      if (process.env.KEEP_STUCK_LOGS) {
        const { cpSync } = await import("node:fs");
        cpSync(env.deployment.dir, process.env.KEEP_STUCK_LOGS, { recursive: true });
      }
      console.log(
        `stuck: primaries now ${JSON.stringify(now.map((p) => [p.port, p.ranges]))}; nodes ${
          sizes.join(" ")
        }; victim was ${victim.port}`,
      );
    }
    assert.equal(results.otherFailed, 0, "requests on healthy shards failed");
    assert.ok(
      results.victimFailed > 0,
      "the dead shard never failed: the test did not test anything",
    );
    assert.ok(results.slowestFailureMs < 2_000, `a failure took ${results.slowestFailureMs} ms`);
    assert.ok(recoveredAfter > 0, "the promoted replica never served the shard");

    // Every session written before the kill is still there, on the same store and env.client.
    for (const sid of onVictim) assert.equal((await store.get(sid))?.sid, sid, sid);
    assert.equal(await store.length(), sids.length);
  });
});
