/**
 * The store over TLS: servers serve TLS only (`--port 0`), with a CA and a
 * certificate made by openssl when the suite starts; clients verify the
 * server against that CA (passed as `rootCertificates`), nothing insecure.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { clusterClient, standaloneClient } from "./helpers/clients.ts";
import type { ContractContext } from "./helpers/contract_context.ts";
import { startCluster, startStandalone, type ValkeyDeployment } from "./helpers/valkey_servers.ts";
import { storeContract } from "./store_contract.ts";
import { badInputContract } from "./bad_input_contract.ts";

for (const kind of ["standalone", "cluster"] as const) {
  const what = kind === "standalone"
    ? "a standalone Valkey"
    : "a cluster of 3 primaries (TLS on the cluster bus too)";
  describe(`ValkeyStore over TLS on ${what}`, () => {
    let deployment: ValkeyDeployment;
    let ctx: ContractContext;
    const connect = kind === "standalone" ? standaloneClient : clusterClient;
    before(async () => {
      deployment = kind === "standalone"
        ? await startStandalone([], { tls: true })
        : await startCluster(0, { tls: true });
      ctx = { kind, client: await connect(deployment), inspect: await connect(deployment) };
    });
    after(async () => {
      ctx?.client.close();
      ctx?.inspect.close();
      await deployment?.stop();
    });

    it("a client that does not trust the test CA cannot connect", async () => {
      await assert.rejects(
        connect(deployment, { advancedConfiguration: { connectionTimeout: 1_000 } }),
      );
    });

    it("the server does not answer plain connections", async () => {
      await assert.rejects(
        connect(deployment, {
          useTLS: false,
          advancedConfiguration: { connectionTimeout: 1_000 },
          requestTimeout: 1_000,
        }).then((client) => client.customCommand(["PING"]).finally(() => client.close())),
      );
    });

    storeContract(() => ctx);
    badInputContract(() => ctx);
  });
}
