/**
 * What the store needs to know of a cluster's shape, read from
 * `CLUSTER NODES`: its primaries (to SCAN each one by address), whether
 * slots moved or are moving (a scan pass may then have missed keys), and
 * which primary serves each slot (to batch commands per primary).
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

interface NodeLine {
  /** "host:port" */
  address: string;
  /** A healthy primary (not failed, has an address). */
  primary: boolean;
  /** Slot ranges it serves ("0-5460", "5461"). */
  ranges: string[];
  /** True when the line lists a slot being migrated or imported. */
  migrating: boolean;
}

function parseNodeLines(text: string): NodeLine[] {
  const nodes: NodeLine[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    if (fields.length < 8) continue;
    const flags = new Set(fields[2]!.split(","));
    const slots = fields.slice(8);
    nodes.push({
      address: fields[1]!.split("@")[0]!,
      primary: flags.has("master") && !flags.has("fail") && !flags.has("noaddr"),
      ranges: slots.filter((slot) => !slot.startsWith("[")),
      migrating: slots.some((slot) => slot.startsWith("[")),
    });
  }
  return nodes;
}

/** Parses the text `CLUSTER NODES` returns. */
export function parseClusterNodes(text: string): ClusterTopology {
  const nodes = parseNodeLines(text);
  const serving = nodes.filter((node) => node.primary && node.ranges.length > 0);
  const primaries = serving.map(({ address }) => {
    const colon = address.lastIndexOf(":");
    return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
  }).sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port);
  return {
    primaries,
    signature: serving.map((node) => `${node.address}=${node.ranges.join(",")}`).sort().join(" "),
    migrating: nodes.some((node) => node.migrating),
  };
}

/** The address ("host:port") of the primary serving each of the 16384 slots ("?" for none). */
export function parseSlotOwners(text: string): string[] {
  const owners: string[] = new Array(16_384).fill("?");
  for (const node of parseNodeLines(text)) {
    if (!node.primary) continue;
    for (const range of node.ranges) {
      const [from, to] = range.split("-").map(Number) as [number, number | undefined];
      for (let slot = from; slot <= (to ?? from); slot++) owners[slot] = node.address;
    }
  }
  return owners;
}

/** Reads `CLUSTER NODES` through any node. */
export async function readClusterNodes(client: GlideClusterClient): Promise<string> {
  return String(await client.customCommand(["CLUSTER", "NODES"], { route: "randomNode" }));
}

/** Reads the cluster's topology through any node. */
export async function readClusterTopology(client: GlideClusterClient): Promise<ClusterTopology> {
  return parseClusterNodes(await readClusterNodes(client));
}
