/**
 * The least-privilege users the README recommends, as `ACL SETUSER` lines
 * shared by the README and the tests: keys under the store's prefix only,
 * no Pub/Sub channels, and only the commands the store (and, in a cluster,
 * GLIDE's client) sends.
 */
import { cli, type ValkeyDeployment } from "./valkey_servers.ts";

/** The user the lines create, and its password (change it in production). */
export const ACL_USER = "sessions";
export const ACL_PASSWORD = "change-me";
/** The key prefix the user may touch: the store's default prefix. */
export const ACL_PREFIX = "sess:";

/** Every command the store sends, directly or from its scripts. */
const STORE_COMMANDS = [
  "get",
  "set",
  "pexpireat",
  "pexpiretime",
  "strlen",
  "exists",
  "del",
  "scan",
  "evalsha",
  "eval",
  "script|load",
  "zadd",
  "zrem",
  "zrange",
  "zremrangebyscore",
  "persist",
  "ping",
  "info",
];

const BASE = `ACL SETUSER ${ACL_USER} on >${ACL_PASSWORD} ~${ACL_PREFIX}* resetchannels -@all ${
  STORE_COMMANDS.map((command) => `+${command}`).join(" ")
}`;

/**
 * For a standalone server. GLIDE needs INFO to connect (it reads the role);
 * its `CLIENT SETINFO` is refused (logged in ACL LOG) without harm.
 */
export const STANDALONE_ACL_SETUSER: string = BASE;

/**
 * For a cluster, run on every node (ACLs are per node, replicas included).
 * GLIDE needs `CLUSTER SLOTS` to connect; the store reads `CLUSTER NODES` to
 * scan each primary. Nothing else of CLUSTER (no FAILOVER, RESET, ...).
 * GLIDE's `CLIENT SETNAME`/`SETINFO` are refused (logged in ACL LOG) without harm.
 */
export const CLUSTER_ACL_SETUSER: string = `${BASE} +cluster|slots +cluster|nodes`;

/** Runs an `ACL SETUSER` line on every node of a deployment. */
export async function createAclUser(deployment: ValkeyDeployment, line: string): Promise<void> {
  const args = line.split(" ");
  for (const node of deployment.nodes) {
    if (node.process === undefined) continue;
    const reply = await cli(node.port, ...args);
    if (reply.trim() !== "OK") throw new Error(`${line} on port ${node.port}: ${reply}`);
  }
}

/** Client options that log in as the ACL user. */
export const ACL_CREDENTIALS: { credentials: { username: string; password: string } } = {
  credentials: { username: ACL_USER, password: ACL_PASSWORD },
};
