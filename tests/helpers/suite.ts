/**
 * Per-suite servers: registers `before`/`after` hooks that start a Valkey
 * (standalone or cluster) and a client on it, and stop exactly those.
 * Read the returned object's fields inside tests (they are set in `before`).
 */
import { after, before } from "node:test";
import type { GlideClient, GlideClusterClient } from "@valkey/valkey-glide";
import { type AnyClient, clusterClient, standaloneClient } from "./clients.ts";
import { connectionSuite } from "./contract_suite.ts";
import {
  startCluster,
  type StartOptions,
  startStandalone,
  type ValkeyDeployment,
} from "./valkey_servers.ts";

export interface Suite<C> {
  deployment: ValkeyDeployment;
  client: C;
}

/** Registers hooks that start a deployment and a client on it before the suite, and stop them after. */
function suite<C extends { close(): void }>(
  start: () => Promise<ValkeyDeployment>,
  connect: (deployment: ValkeyDeployment) => Promise<C>,
): Suite<C> {
  const state = {} as Suite<C>;
  before(async () => {
    state.deployment = await start();
    state.client = await connect(state.deployment);
  });
  after(async () => {
    state.client?.close();
    await state.deployment?.stop();
  });
  return state;
}

/** A standalone valkey-server (with `extra` config) and a GlideClient for the suite. */
export function standaloneSuite(
  extra: string[] = [],
  options: StartOptions = {},
): Suite<GlideClient> {
  return suite(() => startStandalone(extra, options), (deployment) => standaloneClient(deployment));
}

/** A cluster of 3 primaries with `replicas` replicas each, and a GlideClusterClient, for the suite. */
export function clusterSuite(
  replicas: number,
  options: StartOptions = {},
): Suite<GlideClusterClient> {
  return suite(() => startCluster(replicas, options), (deployment) => clusterClient(deployment));
}

/** What {@link kindSuite} sets up: a deployment, a client for stores, and one to inspect Valkey. */
export interface KindSuite extends Suite<AnyClient> {
  inspect: AnyClient;
}

/**
 * A standalone Valkey or a cluster of 3 primaries without replicas, with a
 * client for the stores and a separate one to read back what is stored
 * (the contracts' {@link connectionSuite}, read as fields).
 */
export function kindSuite(kind: "standalone" | "cluster"): KindSuite {
  const suite = connectionSuite({ kind });
  return {
    get deployment() {
      return suite.deployment();
    },
    get client() {
      return suite.context().client;
    },
    get inspect() {
      return suite.context().inspect;
    },
  };
}
