/** Every contract against a cluster with replicas, through a `GlideClusterClient`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { readPrimaries } from "./helpers/cluster_layout.ts";
import { connectionSuite, runContracts } from "./helpers/contract_suite.ts";
import { cli } from "./helpers/valkey_servers.ts";

describe("ValkeyStore with a GlideClusterClient on a cluster of 3 primaries with 1 replica each", () => {
  const suite = connectionSuite({ kind: "cluster", replicas: 1 });
  runContracts(suite);

  it("sessions with one prefix spread over every primary", async () => {
    const store = new ValkeyStore({ client: suite.context().client, prefix: "spread:" });
    await Promise.all(
      Array.from({ length: 300 }, (_, n) => store.set(`s${n}`, sessionWith({ n }))),
    );
    // Count on the primaries only: replicas hold copies.
    const primaries = await readPrimaries(suite.deployment().nodes);
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
