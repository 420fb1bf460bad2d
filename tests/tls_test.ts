/**
 * Every contract over TLS: servers serve TLS only (`--port 0`), with a CA
 * and a certificate made by openssl when the suite starts; clients verify
 * the server against that CA (passed as `rootCertificates`), nothing insecure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionSuite, runContracts } from "./helpers/contract_suite.ts";

for (const kind of ["standalone", "cluster"] as const) {
  const what = kind === "standalone"
    ? "a standalone Valkey"
    : "a cluster of 3 primaries (TLS on the cluster bus too)";
  describe(`ValkeyStore over TLS on ${what}`, () => {
    const suite = connectionSuite({ kind, tls: true });
    const { connect } = suite;

    it("a client that does not trust the test CA cannot connect", async () => {
      await assert.rejects(
        connect(suite.deployment(), { advancedConfiguration: { connectionTimeout: 1_000 } }),
      );
    });

    it("the server does not answer plain connections", async () => {
      await assert.rejects(
        connect(suite.deployment(), {
          useTLS: false,
          advancedConfiguration: { connectionTimeout: 1_000 },
          requestTimeout: 1_000,
        }).then((client) => client.customCommand(["PING"]).finally(() => client.close())),
      );
    });

    runContracts(suite);
  });
}
