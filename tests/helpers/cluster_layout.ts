/** Reads a test cluster's real layout with valkey-cli: primaries, their ids and slot ranges. */
import { cli, type ValkeyNode } from "./valkey_servers.ts";

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
