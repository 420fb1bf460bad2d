/** Behaviour that only a separate process can show: callbacks that throw, and exiting after close. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runFixture } from "./helpers/runtime.ts";
import { startCluster, startStandalone, type ValkeyDeployment } from "./helpers/valkey_servers.ts";

describe("in a child process", () => {
  let server: ValkeyDeployment;
  let cluster: ValkeyDeployment;
  before(async () => {
    [server, cluster] = await Promise.all([startStandalone(), startCluster(0)]);
  });
  after(async () => {
    await server?.stop();
    await cluster?.stop();
  });

  it("an exception thrown by a callback surfaces as uncaught, and no callback runs twice", async () => {
    const result = await runFixture("callback_throws", [String(server.nodes[0]!.port)], 20_000);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout.trim().split("\n").pop()!);
    assert.equal(report.calls, 4, "each of the 4 callbacks runs exactly once");
    assert.deepEqual(report.uncaught.sort(), [
      "thrown by the destroy callback",
      "thrown by the get callback",
      "thrown by the length callback",
      "thrown by the set callback",
    ]);
  });

  for (const kind of ["standalone", "cluster"] as const) {
    it(`the process exits by itself within 5 s after client.close() (${kind})`, async () => {
      const ports = (kind === "standalone" ? server : cluster).nodes.map((node) =>
        String(node.port)
      );
      const result = await runFixture("exit_after_close", [kind, ...ports], 15_000);
      assert.equal(result.signal, null, `killed after ${result.ms} ms: it did not exit by itself`);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /closed/);
      assert.ok(result.ms < 5_000, `took ${result.ms} ms`);
    });
  }
});
