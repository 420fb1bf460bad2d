/**
 * Which primary serves which slot, as the store last read it, so the
 * pipeline can batch commands per primary: one slow or dead shard then
 * delays only its own commands, never a healthy shard's (GLIDE fails a
 * whole batch when any part of it times out).
 *
 * The map is only a hint for batching: GLIDE still routes every command
 * itself, so a stale map costs isolation, never correctness. It is read
 * lazily, and again (at most once a second) when a command reports a moved
 * slot or an unreachable node, or when it is a minute old. No timer runs.
 *
 * @module
 */
import type { GlideClusterClient } from "@valkey/valkey-glide";
import { parseSlotOwners, readClusterNodes } from "./cluster_topology.ts";
import { hashSlot } from "./hash_slot.ts";

const REFRESH_AFTER_MS = 60_000;
const MIN_REFRESH_GAP_MS = 1_000;

/** The lane (primary address) of each slot, refreshed on demand. */
export class SlotMap {
  readonly #client: GlideClusterClient;
  #owners: string[] | undefined;
  #readAt = 0;
  #reading = false;

  constructor(client: GlideClusterClient) {
    this.#client = client;
  }

  /** The lane of a key: its primary's address, or "?" while the map is unknown. */
  laneOf(key: string): string {
    if (this.#owners === undefined || Date.now() - this.#readAt > REFRESH_AFTER_MS) this.refresh();
    return this.#owners?.[hashSlot(key)] ?? "?";
  }

  /** Reads the map again, unless a read is under way or the last was under a second ago. */
  refresh(): void {
    if (this.#reading || Date.now() - this.#readAt < MIN_REFRESH_GAP_MS) return;
    this.#reading = true;
    readClusterNodes(this.#client).then(
      (text) => {
        this.#owners = parseSlotOwners(text);
      },
      () => {}, // keep the old map; the next trouble asks again
    ).finally(() => {
      this.#reading = false;
      this.#readAt = Date.now();
    });
  }
}
