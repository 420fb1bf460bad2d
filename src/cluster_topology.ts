/**
 * What the store needs to know of a cluster's shape: its primaries (to SCAN
 * each one by address) and whether slots moved or are moving (to know that
 * a scan pass may have missed keys).
 *
 * @module
 */
import type { GlideClusterClient } from "@valkey/valkey-glide";

/** One primary that serves slots. */
export interface Primary {
  host: string;
  port: number;
}

/** A snapshot of the cluster taken from `CLUSTER NODES`. */
export interface ClusterTopology {
  primaries: Primary[];
  /** Which primary serves which slots; equal signatures mean no slot moved. */
  signature: string;
  /** True when any slot is being migrated or imported. */
  migrating: boolean;
}

/** Parses the text `CLUSTER NODES` returns. */
export function parseClusterNodes(text: string): ClusterTopology {
  const primaries: Primary[] = [];
  const owners: string[] = [];
  let migrating = false;
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    if (fields.length < 8) continue;
    const [, address, flags] = fields as [string, string, string];
    const slots = fields.slice(8);
    if (slots.some((slot) => slot.startsWith("["))) migrating = true;
    const flagSet = new Set(flags.split(","));
    if (!flagSet.has("master") || flagSet.has("fail") || flagSet.has("noaddr")) continue;
    const owned = slots.filter((slot) => !slot.startsWith("["));
    if (owned.length === 0) continue;
    const hostPort = address.split("@")[0]!;
    const colon = hostPort.lastIndexOf(":");
    const host = hostPort.slice(0, colon);
    const port = Number(hostPort.slice(colon + 1));
    primaries.push({ host, port });
    owners.push(`${hostPort}=${owned.join(",")}`);
  }
  primaries.sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port);
  return { primaries, signature: owners.sort().join(" "), migrating };
}

/** Reads the cluster's topology through any node. */
export async function readClusterTopology(
  client: GlideClusterClient,
): Promise<ClusterTopology> {
  const reply = await client.customCommand(["CLUSTER", "NODES"], {
    route: "randomNode",
  });
  return parseClusterNodes(String(reply));
}
