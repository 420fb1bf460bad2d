/**
 * Reads a test cluster's real layout with valkey-cli (primaries, their ids
 * and slot ranges), moves slots, and seeds sessions across the shards.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ValkeyStore } from "../../mod.ts";
import { hashSlot } from "../../src/_connection/hash_slot.ts";
import { sessionWith } from "./contract_context.ts";
import { cli, type ValkeyNode, waitForReplicasInSync } from "./valkey_servers.ts";

const run = promisify(execFile);

export interface PrimaryLayout {
  id: string;
  port: number;
  ranges: Array<[number, number]>;
}

/** The primaries that own slots, as one live node sees them. */
export async function readPrimaries(nodes: ValkeyNode[]): Promise<PrimaryLayout[]> {
  const live = nodes.find((node) => node.process !== undefined)!;
  const text = await cli(live.port, "cluster", "nodes");
  const primaries: PrimaryLayout[] = [];
  for (const line of text.trim().split("\n")) {
    const fields = line.split(" ");
    const flags = fields[2] ?? "";
    if (!flags.includes("master") || flags.includes("fail")) continue;
    const ranges = fields.slice(8).filter((f) => !f.startsWith("[")).map((f) => {
      const [a, b] = f.split("-");
      return [Number(a), Number(b ?? a)] as [number, number];
    });
    if (ranges.length === 0) continue;
    const port = Number(fields[1]!.split("@")[0]!.split(":").pop());
    primaries.push({ id: fields[0]!, port, ranges });
  }
  return primaries;
}

/** The primary that owns `slot`. */
export function ownerOf(primaries: PrimaryLayout[], slot: number): PrimaryLayout | undefined {
  return primaries.find((p) => p.ranges.some(([a, b]) => slot >= a && slot <= b));
}

/** Moves `slots` slots from one primary to another with `valkey-cli --cluster reshard`. */
export function reshard(from: PrimaryLayout, to: PrimaryLayout, slots: number): Promise<unknown> {
  return run("valkey-cli", [
    "--cluster",
    "reshard",
    `127.0.0.1:${from.port}`,
    "--cluster-from",
    from.id,
    "--cluster-to",
    to.id,
    "--cluster-slots",
    String(slots),
    "--cluster-yes",
    "--cluster-pipeline",
    "20",
  ]);
}

/** Sessions written before a primary is killed, split by the shard they live on. */
export interface SeededShards {
  sids: string[];
  primaries: PrimaryLayout[];
  /** The primary the test kills: the first one. */
  victim: PrimaryLayout;
  shardOf(sid: string): string;
  onVictim: string[];
  elsewhere: string[];
}

/**
 * Writes 300 sessions `{ sid }` through `store`, waits until every replica
 * holds them, and splits them by shard (the first primary is the victim).
 */
export async function seedAcrossShards(
  store: ValkeyStore,
  nodes: ValkeyNode[],
): Promise<SeededShards> {
  const sids = Array.from({ length: 300 }, (_, n) => `s${n}`);
  await Promise.all(sids.map((sid) => store.set(sid, sessionWith({ sid }))));
  const primaries = await readPrimaries(nodes);
  // Every write has reached the replicas before the kill: same offsets as their primaries.
  await waitForReplicasInSync(nodes, 1);
  const victim = primaries[0]!;
  const shardOf = (sid: string) => ownerOf(primaries, hashSlot(store.prefix + sid))!.id;
  return {
    sids,
    primaries,
    victim,
    shardOf,
    onVictim: sids.filter((sid) => shardOf(sid) === victim.id),
    elsewhere: sids.filter((sid) => shardOf(sid) !== victim.id),
  };
}
