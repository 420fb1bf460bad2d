import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import { clusterClient } from "./helpers/clients.ts";
import { type ContractContext, sessionWith } from "./helpers/contract_context.ts";
import { readPrimaries } from "./helpers/cluster_layout.ts";
import { cli, startCluster, type ValkeyDeployment } from "./helpers/valkey_servers.ts";
import { storeContract } from "./store_contract.ts";
import { badInputContract } from "./bad_input_contract.ts";
import { mergeContract } from "./merge_contract.ts";
import { userIndexContract } from "./user_index_contract.ts";

describe("ValkeyStore with a GlideClusterClient on a cluster of 3 primaries with 1 replica each", () => {
  let cluster: ValkeyDeployment;
  let ctx: ContractContext;
  before(async () => {
    cluster = await startCluster(1);
    ctx = {
      kind: "cluster",
      client: await clusterClient(cluster),
      inspect: await clusterClient(cluster),
    };
  });
  after(async () => {
    ctx?.client.close();
    ctx?.inspect.close();
    await cluster?.stop();
  });
  storeContract(() => ctx);
  badInputContract(() => ctx);
  mergeContract(() => ctx);
  userIndexContract(() => ctx);

  it("sessions with one prefix spread over every primary", async () => {
    const store = new ValkeyStore({ client: ctx.client, prefix: "spread:" });
    await Promise.all(
      Array.from({ length: 300 }, (_, n) => store.set(`s${n}`, sessionWith({ n }))),
    );
    // Count on the primaries only: replicas hold copies.
    const primaries = await readPrimaries(cluster.nodes);
    assert.equal(primaries.length, 3);
    const perNode = await Promise.all(
      primaries.map(async (primary) =>
        (await cli(primary.port, "--scan", "--pattern", "spread:*")).split("\n").filter(Boolean)
          .length
      ),
    );
    assert.equal(perNode.reduce((a, b) => a + b, 0), 300);
    for (const count of perNode) assert.ok(count > 50, `uneven spread ${perNode.join("/")}`);
    assert.equal(await store.length(), 300);
    await store.clear();
    assert.equal(await store.length(), 0);
  });
});
