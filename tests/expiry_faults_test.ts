/**
 * Expiry is never lost: under injected faults, no write path leaves a key
 * without an expiry. While every kind of write runs (a new session, a
 * replace, a compare-and-set merge, a merge that changed nothing, touch,
 * destroy, with the user index), the servers are paused past the client's
 * request timeout (`CLIENT PAUSE … WRITE`: the client gives up, the command
 * runs later: a timeout whose command did run) and the store's connections
 * are killed mid-flight (lost replies). Cluster calls are resent after those
 * timeouts. Afterwards every key under the prefix must have an expiry, and
 * every session must read back whole. On standalone and cluster.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import { type AnyClient, clusterClient, standaloneClient } from "./helpers/clients.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { readPrimaries } from "./helpers/cluster_layout.ts";
import {
  cli,
  sleep,
  startCluster,
  startStandalone,
  type ValkeyDeployment,
} from "./helpers/valkey_servers.ts";

const VICTIM = "expiry-faults";
const byUser = (session: Record<string, unknown>) => session.user as string | undefined;

for (const kind of ["standalone", "cluster"] as const) {
  describe(`expiry under lost replies and timeouts on a ${kind} Valkey`, () => {
    let deployment: ValkeyDeployment;
    let client: AnyClient;
    let inspect: AnyClient;
    before(async () => {
      deployment = kind === "standalone" ? await startStandalone() : await startCluster(0);
      const make = kind === "standalone" ? standaloneClient : clusterClient;
      client = await make(deployment, { requestTimeout: 100, clientName: VICTIM });
      inspect = await make(deployment);
    });
    after(async () => {
      client?.close();
      inspect?.close();
      await deployment?.stop();
    });

    it("every key keeps an expiry, and every session reads back whole", async () => {
      const prefix = `faults-${kind}:`;
      const store = new ValkeyStore({ client, prefix, userId: byUser, clusterDownWait: 3_000 });
      const ports = kind === "standalone"
        ? [deployment.nodes[0]!.port]
        : (await readPrimaries(deployment.nodes)).map((primary) => primary.port);
      const inAnHour = () => new Date(Date.now() + 3_600_000);
      let failures = 0;
      const attempt = async (work: () => Promise<unknown>) => {
        try {
          await work();
        } catch {
          failures++; // an outage may fail a call; it must not lose an expiry
        }
      };

      let stop = false;
      const traffic = (async () => {
        for (let round = 0; !stop && round < 400; round++) {
          const sid = `s${round % 60}`;
          await Promise.all([
            attempt(() =>
              store.set(`new${round}`, sessionWith({ user: "ada", round }, inAnHour()))
            ),
            attempt(() => store.set(sid, sessionWith({ user: "bob", round }, inAnHour()))),
            attempt(async () => {
              const loaded = await store.get(sid);
              if (loaded === null) return;
              loaded[`k${round % 7}`] = round;
              await store.set(sid, loaded);
              await store.set(sid, loaded); // changed nothing since: expiry only
            }),
            attempt(() => store.touch(sid, sessionWith({ user: "bob" }, inAnHour()))),
            round % 10 === 0 ? attempt(() => store.destroy(`new${round - 5}`)) : undefined,
          ]);
        }
      })();

      // Faults: pauses past the request timeout, and killed connections.
      for (let fault = 0; fault < 6; fault++) {
        await sleep(120);
        const port = ports[fault % ports.length]!;
        if (fault % 2 === 0) {
          await cli(port, "CLIENT", "PAUSE", "250", "WRITE");
        } else {
          const list = await cli(port, "CLIENT", "LIST");
          for (const line of list.split("\n").filter((l) => l.includes(`name=${VICTIM}`))) {
            const id = /\bid=(\d+)/.exec(line)?.[1];
            if (id !== undefined) await cli(port, "CLIENT", "KILL", "ID", id);
          }
        }
      }
      await sleep(300);
      stop = true;
      await traffic;
      await sleep(500); // let paused commands land

      const keys: string[] = [];
      for (const port of ports) {
        keys.push(
          ...(await cli(port, "--scan", "--pattern", `${prefix}*`)).split("\n").filter(Boolean),
        );
      }
      assert.ok(keys.length > 60, `only ${keys.length} keys were written`);
      const forever: string[] = [];
      for (const key of keys) {
        if (Number(await inspect.customCommand(["PTTL", key])) === -1) forever.push(key);
      }
      assert.deepEqual(forever, [], "keys without an expiry");
      for (const key of keys.filter((k) => !k.includes("user-index:"))) {
        const text = await inspect.customCommand(["GET", key]);
        if (text !== "" && text !== null) JSON.parse(String(text)); // whole, never torn
      }
      console.log(
        `expiry under faults (${kind}): ${keys.length} keys, all with an expiry; ${failures} calls failed during the faults`,
      );
    });
  });
}
