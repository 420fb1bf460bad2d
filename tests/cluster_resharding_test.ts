/**
 * Resharding under load: while `valkey-cli --cluster reshard` moves slots
 * between primaries, scans run on the same client as GET/SET traffic. Every
 * scan must return each session exactly once, and the client must never
 * wedge (GLIDE's own cluster scan was seen to lock a client up in about 7 of
 * 38 such runs). Repeated RESHARD_ROUNDS times (default 10).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import { clusterSuite } from "./helpers/suite.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { readPrimaries, reshard } from "./helpers/cluster_layout.ts";

const ROUNDS = Number(process.env.RESHARD_ROUNDS ?? 10);
const SESSIONS = 2_000;

describe("a cluster resharding while the store scans under traffic", () => {
  const env = clusterSuite(1);

  it(`scans return every session once and the client keeps answering, over ${ROUNDS} reshards`, async () => {
    const store = new ValkeyStore({ client: env.client, prefix: "mig:", scanCount: 50 });
    const traffic = new ValkeyStore({ client: env.client, prefix: "live:" });
    const expected = Array.from({ length: SESSIONS }, (_, n) => `s${n}`);
    for (let i = 0; i < SESSIONS; i += 200) {
      await Promise.all(
        expected.slice(i, i + 200).map((sid) => store.set(sid, sessionWith({ sid }))),
      );
    }
    const stats = {
      scans: 0,
      trafficOk: 0,
      trafficErrors: 0,
      maxTrafficMs: 0,
      firstErrors: [] as string[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const primaries = await readPrimaries(env.deployment.nodes);
      const from = primaries[round % primaries.length]!;
      const to = primaries[(round + 1) % primaries.length]!;
      let resharding = true;
      const moving = reshard(from, to, 600).finally(() => (resharding = false));

      // Traffic on the same client: bounded in count and time.
      const trafficLoop = (async () => {
        const deadline = Date.now() + 60_000;
        for (let n = 0; resharding && n < 20_000 && Date.now() < deadline; n++) {
          const started = Date.now();
          try {
            await traffic.set(`t${n % 100}`, sessionWith({ n }));
            await traffic.get(`t${n % 100}`);
            stats.trafficOk++;
          } catch (error) {
            stats.trafficErrors++;
            if (stats.firstErrors.length < 3) stats.firstErrors.push(String(error));
          }
          stats.maxTrafficMs = Math.max(stats.maxTrafficMs, Date.now() - started);
        }
      })();

      do {
        const ids = await store.ids();
        stats.scans++;
        assert.equal(
          new Set(ids).size,
          ids.length,
          `round ${round}: a scan returned a session twice`,
        );
        assert.deepEqual(
          [...ids].sort(),
          [...expected].sort(),
          `round ${round}: a scan missed sessions`,
        );
      } while (resharding);
      await moving;
      await trafficLoop;

      // The client still answers at once.
      const started = Date.now();
      assert.equal((await store.get("s1"))?.sid, "s1");
      assert.ok(Date.now() - started < 1_000, "the client was slow to answer after the reshard");
    }
    assert.equal(await store.length(), SESSIONS);
    const all = await store.all();
    assert.equal(all.length, SESSIONS);
    console.log(
      `resharding: ${ROUNDS} rounds, ${stats.scans} full scans, traffic ${stats.trafficOk} ok / ${stats.trafficErrors} errors, slowest ${stats.maxTrafficMs} ms`,
    );
    assert.deepEqual(stats.firstErrors, [], "requests failed during resharding");
  });
});
