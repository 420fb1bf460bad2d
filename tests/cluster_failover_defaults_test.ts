/**
 * Failover ridden through: a primary is SIGKILLed while callers loop get()
 * and touch() on sessions of every shard. On the server's default settings
 * (`cluster-require-full-coverage yes`) every node answers CLUSTERDOWN for
 * every key from the moment the primary is marked failed until its replica
 * is promoted; the store resends within `clusterDownWait` (default 10 s).
 * Target: at most 1% of calls on healthy shards fail, none takes longer than
 * the budget plus a margin, and the dead shard is served again by the same
 * store within 2 s of the promotion. Run on the server's defaults and on the
 * harness's settings (partial coverage allowed).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import { clusterSuite } from "./helpers/suite.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { seedAcrossShards } from "./helpers/cluster_layout.ts";
import { cli, sleep, stopProcess } from "./helpers/valkey_servers.ts";

const BUDGET_MS = 10_000;
/** A call may outlast the budget by one request timeout and a resend's scheduling. */
const MARGIN_MS = 1_500;
const HEALTHY_CALLERS = 4;
const DEAD_SHARD_CALLERS = 2;

for (const serverDefaults of [true, false]) {
  const settings = serverDefaults ? "the server's default settings" : "the harness's settings";
  describe(`a cluster on ${settings} losing a primary`, () => {
    const env = clusterSuite(1, { serverDefaults });

    it("healthy shards keep serving, no call outlasts clusterDownWait, and the dead shard is served again soon after the promotion", async () => {
      const store = new ValkeyStore({ client: env.client, prefix: "fd:" });
      const { sids, victim, onVictim, elsewhere } = await seedAcrossShards(
        store,
        env.deployment.nodes,
      );
      assert.ok(onVictim.length > 50 && elsewhere.length > 100);
      const replica = await replicaOf(env.deployment.nodes, victim.id);

      interface Call {
        onDeadShard: boolean;
        started: number;
        ended: number;
        ok: boolean;
      }
      const calls: Call[] = [];
      const errors = new Map<string, number>();
      let stop = false;

      const caller = async (mine: string[], onDeadShard: boolean, offset: number) => {
        for (let n = offset; !stop; n++) {
          const sid = mine[n % mine.length]!;
          for (const call of ["get", "touch"] as const) {
            const started = Date.now();
            let ok = true;
            try {
              if (call === "get") assert.equal((await store.get(sid))?.sid, sid);
              else await store.touch(sid, sessionWith({ sid }));
            } catch (error) {
              ok = false;
              const text = String(error).replace(/"[^"]*"/g, '"…"').replace(/\d+/g, "N");
              errors.set(text, (errors.get(text) ?? 0) + 1);
            }
            calls.push({ onDeadShard, started, ended: Date.now(), ok });
          }
          await sleep(5);
        }
      };
      const callers = [
        ...Array.from({ length: HEALTHY_CALLERS }, (_, i) => caller(elsewhere, false, i * 37)),
        ...Array.from({ length: DEAD_SHARD_CALLERS }, (_, i) => caller(onVictim, true, i * 17)),
      ];
      await sleep(300); // callers are running before the kill
      await stopProcess(env.deployment.nodes.find((n) => n.port === victim.port)!, "SIGKILL");
      const killedAt = Date.now();
      let promotedAt = -1;
      const recoveredAt = () =>
        calls.find((c) => c.onDeadShard && c.ok && c.started >= killedAt)?.ended ?? -1;
      // Until 3 s after the promotion (bounded: 30 s).
      while (Date.now() - killedAt < 30_000) {
        if (promotedAt < 0 && (await cli(replica.port, "role")).startsWith("master")) {
          promotedAt = Date.now();
        }
        if (promotedAt > 0 && recoveredAt() > 0 && Date.now() - promotedAt > 3_000) break;
        await sleep(50);
      }
      stop = true;
      await Promise.all(callers);

      // The failover: calls started between the kill and the promotion.
      const during = calls.filter((c) =>
        c.started >= killedAt && (promotedAt < 0 || c.started <= promotedAt)
      );
      const healthy = during.filter((c) => !c.onDeadShard);
      const dead = during.filter((c) => c.onDeadShard);
      const failed = (list: Call[]) => list.filter((c) => !c.ok).length;
      const slowest = Math.max(...calls.map((c) => c.ended - c.started));
      console.log(
        `failover on ${settings}: promoted ${promotedAt - killedAt} ms after the kill; ` +
          `calls started during the failover: healthy shards ${
            failed(healthy)
          } of ${healthy.length} failed, ` +
          `dead shard ${failed(dead)} of ${dead.length} failed; all calls ${calls.length}, ` +
          `${failed(calls)} failed, slowest ${slowest} ms; dead shard served again ${
            recoveredAt() - promotedAt
          } ms after the promotion`,
      );
      if (errors.size > 0) console.log(`errors: ${JSON.stringify([...errors])}`);

      assert.ok(promotedAt > 0, "the replica was never promoted");
      assert.ok(recoveredAt() > 0, "the dead shard was never served again");
      assert.ok(healthy.length > 0, "no call on a healthy shard started during the failover");
      assert.ok(
        failed(healthy) <= healthy.length * 0.01,
        `${
          failed(healthy)
        } of ${healthy.length} calls on healthy shards failed during the failover`,
      );
      assert.ok(slowest <= BUDGET_MS + MARGIN_MS, `a call took ${slowest} ms`);
      assert.ok(
        recoveredAt() - promotedAt <= 2_000,
        `the dead shard was served again ${recoveredAt() - promotedAt} ms after the promotion`,
      );

      // Every session written before the kill is still there, on the same store and client.
      for (const sid of onVictim) assert.equal((await store.get(sid))?.sid, sid, sid);
      assert.equal(await store.length(), sids.length);
    });
  });
}

/** The node replicating `primaryId`, as a live node sees it. */
async function replicaOf(
  nodes: { port: number; process: unknown }[],
  primaryId: string,
): Promise<{ port: number }> {
  const live = nodes.find((node) => node.process !== undefined)!;
  const text = await cli(live.port, "cluster", "nodes");
  const line = text.split("\n").find((l) => l.split(" ")[3] === primaryId);
  assert.ok(line !== undefined, `no replica of ${primaryId} in ${text}`);
  return { port: Number(line.split(" ")[1]!.split("@")[0]!.split(":").pop()) };
}
