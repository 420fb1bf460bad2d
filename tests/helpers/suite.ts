/**
 * Per-suite servers: registers `before`/`after` hooks that start a Valkey
 * (standalone or cluster) and a client on it, and stop exactly those.
 * Read the returned object's fields inside tests (they are set in `before`).
 */
import { after, before } from "node:test";
import type { GlideClient, GlideClusterClient } from "@valkey/valkey-glide";
import { clusterClient, standaloneClient } from "./clients.ts";
import { startCluster, startStandalone, type ValkeyDeployment } from "./valkey_servers.ts";

export interface Suite<C> {
  deployment: ValkeyDeployment;
  client: C;
}

/** A standalone valkey-server (with `extra` config) and a GlideClient for the suite. */
export function standaloneSuite(extra: string[] = []): Suite<GlideClient> {
  const suite = {} as Suite<GlideClient>;
  before(async () => {
    suite.deployment = await startStandalone(extra);
    suite.client = await standaloneClient(suite.deployment);
  });
  after(async () => {
    suite.client?.close();
    await suite.deployment?.stop();
  });
  return suite;
}

/** A cluster of 3 primaries with `replicas` replicas each, and a GlideClusterClient, for the suite. */
export function clusterSuite(replicas: number): Suite<GlideClusterClient> {
  const suite = {} as Suite<GlideClusterClient>;
  before(async () => {
    suite.deployment = await startCluster(replicas);
    suite.client = await clusterClient(suite.deployment);
  });
  after(async () => {
    suite.client?.close();
    await suite.deployment?.stop();
  });
  return suite;
}
