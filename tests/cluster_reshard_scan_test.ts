/**
 * A scan bounded during a reshard: while `valkey-cli --cluster reshard`
 * moves 3,000 slots, a `length()` with a short `scanReshardWait` fails with
 * a RESHARDING error, and one with the default bound waits for the slots to
 * settle and counts every session once. The time that takes is logged.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore, ValkeyStoreError } from "../mod.ts";
import { scanKeyPages } from "../src/_connection/key_scan.ts";
import { StoreFailure } from "../src/_connection/failure.ts";
import { clusterSuite } from "./helpers/suite.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { readPrimaries, reshard } from "./helpers/cluster_layout.ts";
import { cli, type ValkeyNode, waitUntil } from "./helpers/valkey_servers.ts";

const SESSIONS = 2_000;
const SLOTS = 3_000;

describe("a bounded scan during a reshard", () => {
  const env = clusterSuite(1);

  /** The reshard a previous test started: the next one waits for it (even if that test failed). */
  let previous: Promise<unknown> = Promise.resolve();

  /** Starts moving SLOTS slots from one primary to the next; resolves once a slot is migrating. */
  async function startReshard(
    round: number,
  ): Promise<{ done: Promise<unknown>; running(): boolean }> {
    await previous;
    const primaries = await readPrimaries(env.deployment.nodes);
    const from = primaries[round % primaries.length]!;
    const to = primaries[(round + 1) % primaries.length]!;
    let running = true;
    const done = reshard(from, to, SLOTS).finally(() => (running = false));
    previous = done.catch(() => {});
    await waitUntil(
      async () => !running || (await migrating(env.deployment.nodes)),
      20_000,
      () => "the reshard never started moving slots",
      20,
    );
    return { done, running: () => running };
  }

  async function seed(store: ValkeyStore): Promise<void> {
    for (let i = 0; i < SESSIONS; i += 200) {
      await Promise.all(
        Array.from({ length: 200 }, (_, n) => `s${i + n}`).map((sid) =>
          store.set(sid, sessionWith({ sid }))
        ),
      );
    }
  }

  it("length() with a short scanReshardWait fails with a RESHARDING error; with the default it counts every session once", async () => {
    const short = new ValkeyStore({ client: env.client, prefix: "rs:", scanReshardWait: 50 });
    const long = new ValkeyStore({ client: env.client, prefix: "rs:" });
    await seed(long);
    const reshard = await startReshard(0);
    assert.ok(reshard.running(), "the reshard was over before the scans started");

    // A pass can, rarely, run while no slot moves (it then returns the exact count):
    // ask again until one sees slots moving.
    let refused: ValkeyStoreError | undefined;
    for (let attempt = 0; refused === undefined && attempt < 20 && reshard.running(); attempt++) {
      try {
        assert.equal(await short.length(), SESSIONS);
      } catch (error) {
        if (!(error instanceof ValkeyStoreError)) throw error;
        refused = error;
      }
    }
    assert.ok(refused !== undefined, "no scan with a short bound saw the reshard");
    assert.equal(refused.code, "RESHARDING", refused.message);
    assert.match(refused.message, /reshard was in progress/);
    assert.match(refused.message, /scanReshardWait \(50 ms\)/);

    assert.ok(reshard.running(), "the reshard was over before the long scan started");
    const started = Date.now();
    const count = await long.length();
    const tookMs = Date.now() - started;
    const stillRunning = reshard.running();
    const ids = await long.ids();
    await reshard.done;
    console.log(
      `length() started during a ${SLOTS}-slot reshard took ${tookMs} ms (reshard ${
        stillRunning ? "still running" : "over"
      } when it returned)`,
    );
    assert.equal(count, SESSIONS);
    assert.equal(new Set(ids).size, SESSIONS);
  });

  it("scanKeyPages honours scanReshardWait (the bound the store passes)", async () => {
    const reshard = await startReshard(1);
    const pages = scanKeyPages({
      client: env.client,
      cluster: true,
      pattern: "rs:*",
      count: 100,
      scanReshardWait: 0,
    });
    await assert.rejects(
      (async () => {
        for await (const _ of pages) { /* drain */ }
      })(),
      (error: unknown) =>
        error instanceof StoreFailure && error.code === "RESHARDING" &&
        /reshard was in progress/.test(error.message),
    );
    const seen: string[] = [];
    for await (
      const page of scanKeyPages({
        client: env.client,
        cluster: true,
        pattern: "rs:*",
        count: 100,
        scanReshardWait: 120_000,
      })
    ) seen.push(...page);
    await reshard.done;
    assert.equal(seen.length, SESSIONS);
    assert.equal(new Set(seen).size, SESSIONS);
  });
});

/** True when any node lists a slot being migrated or imported. */
async function migrating(nodes: ValkeyNode[]): Promise<boolean> {
  for (const node of nodes) {
    if (node.process === undefined) continue;
    if ((await cli(node.port, "cluster", "nodes")).includes("[")) return true;
  }
  return false;
}
