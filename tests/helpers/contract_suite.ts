/**
 * The contracts, run for one kind of connection: a standalone Valkey or a
 * cluster, in the clear or over TLS, as the default user or through a
 * prefix-scoped ACL user. Registers `before`/`after` hooks that start the
 * servers and the clients, and stop exactly those; every contract suite
 * (`store`, `bad input`, `merge`, `user index`) runs against them.
 */
import { after, before } from "node:test";
import { badInputContract } from "../bad_input_contract.ts";
import { mergeContract } from "../merge_contract.ts";
import { storeContract } from "../store_contract.ts";
import { userIndexContract } from "../user_index_contract.ts";
import {
  ACL_CREDENTIALS,
  ACL_PREFIX,
  CLUSTER_ACL_SETUSER,
  createAclUser,
  STANDALONE_ACL_SETUSER,
} from "./acl.ts";
import { clusterClient, standaloneClient } from "./clients.ts";
import type { ContractContext } from "./contract_context.ts";
import { startCluster, startStandalone, type ValkeyDeployment } from "./valkey_servers.ts";

/** How to connect. */
export interface ConnectionKind {
  kind: "standalone" | "cluster";
  /** Cluster only: replicas per primary (default 0). */
  replicas?: number;
  /** Servers serve TLS only; clients trust the test CA. */
  tls?: boolean;
  /** Stores connect as the least-privilege user of docs/acl.md, with prefixes under its pattern. */
  acl?: boolean;
}

/** What a suite set up: read its fields inside tests (they are set in `before`). */
export interface ContractSuite {
  context: () => ContractContext;
  deployment: () => ValkeyDeployment;
  connect: typeof standaloneClient | typeof clusterClient;
}

/** Starts the servers and clients of `kind` for the suite this is called in. */
export function connectionSuite(kind: ConnectionKind): ContractSuite {
  let deployment: ValkeyDeployment;
  let ctx: ContractContext;
  const connect = kind.kind === "standalone" ? standaloneClient : clusterClient;
  before(async () => {
    const options = { tls: kind.tls === true };
    deployment = kind.kind === "standalone"
      ? await startStandalone([], options)
      : await startCluster(kind.replicas ?? 0, options);
    if (kind.acl) {
      await createAclUser(
        deployment,
        kind.kind === "standalone" ? STANDALONE_ACL_SETUSER : CLUSTER_ACL_SETUSER,
      );
    }
    ctx = {
      kind: kind.kind,
      client: await connect(deployment, kind.acl ? ACL_CREDENTIALS : {}),
      inspect: await connect(deployment),
      ...(kind.acl ? { basePrefix: ACL_PREFIX } : {}),
    };
  });
  after(async () => {
    ctx?.client.close();
    ctx?.inspect.close();
    await deployment?.stop();
  });
  return { context: () => ctx, deployment: () => deployment, connect };
}

/** Every contract, against the suite's connection. */
export function runContracts(suite: ContractSuite): void {
  storeContract(suite.context);
  badInputContract(suite.context);
  mergeContract(suite.context);
  userIndexContract(suite.context);
}
