/**
 * Command pipelining. A GLIDE request costs far more in Node than the
 * command it carries, but a non-atomic `Batch` of many commands costs little
 * more than one request. So every store command goes through a queue:
 *
 * - commands are queued per lane: one lane in standalone mode, one per
 *   primary in cluster mode (see `slot_map.ts`), because GLIDE fails a whole
 *   batch when any part of it times out: a dead shard must not take healthy
 *   shards' commands down with it;
 * - when a lane has fewer than `maxInflightBatches` out, its queued
 *   commands leave at the end of the current microtask (a lone call is not
 *   delayed); otherwise they wait and leave together when a batch returns,
 *   so batches grow with the load;
 * - what is waiting is split over the free batch slots, in batches of at
 *   least `minBatchSize` commands: 64 callers leave as 2 batches of 32, not
 *   one of 64, so GLIDE and Valkey work on one while this thread handles
 *   the other's replies (measured: 1.3–1.6× the gets per second of one
 *   64-command batch at 64 callers, the same at 256);
 * - a batch holds at most `maxBatchSize` commands and `maxBatchBytes` bytes
 *   of arguments, so it finishes well within the client's `requestTimeout`;
 * - at most `maxQueued` commands wait in all; past that a call fails at
 *   once with an `OVERLOADED` error instead of growing memory without bound
 *   (a call of several commands is admitted or refused whole: `admit`);
 * - in-flight requests stay at `maxInflightBatches` per lane, far below
 *   GLIDE's in-flight limit (1000 per client by default).
 *
 * Each caller gets its own result or its own error: a batch is executed with
 * `raiseOnError = false`, so one failed command does not fail its neighbours.
 *
 * @module
 */
import {
  Batch,
  ClusterBatch,
  type GlideClient,
  type GlideClusterClient,
  type GlideReturnType,
} from "@valkey/valkey-glide";
import { isUnreachableError, ValkeyStoreError } from "./errors.ts";
import { SlotMap } from "./slot_map.ts";

/** Bounds of a {@link CommandPipeline}. */
export interface PipelineLimits {
  maxBatchSize: number;
  /** Waiting commands are split over free batch slots, but not below this size. */
  minBatchSize: number;
  maxBatchBytes: number;
  maxInflightBatches: number;
  maxQueued: number;
}

/** Defaults measured with `bench/store_ops.ts` on a 2-core machine. */
export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = {
  maxBatchSize: 64,
  minBatchSize: 32,
  maxBatchBytes: 1 << 20,
  maxInflightBatches: 4,
  maxQueued: 50_000,
};

interface Pending {
  args: string[];
  bytes: number;
  resolve: (value: GlideReturnType) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  queue: Pending[];
  head: number;
  inflight: number;
  scheduled: boolean;
}

/** The key a store command is about: after the script and key count for EVAL/EVALSHA. */
function keyOf(args: string[]): string {
  return (args[0] === "EVALSHA" || args[0] === "EVAL" ? args[3] : args[1]) ?? "";
}

// Replies that mean the slot map is stale (a node being gone is `isUnreachableError`).
const SLOTS_MOVED = /\b(MOVED|Moved|ASK|Ask|CLUSTERDOWN|ClusterDown)\b/;

/** Queues commands and sends them to Valkey in pipelines, per lane. */
export class CommandPipeline {
  readonly #client: GlideClient | GlideClusterClient;
  readonly #slots: SlotMap | undefined;
  readonly #limits: PipelineLimits;
  readonly #lanes = new Map<string, Lane>();
  #queued = 0;

  constructor(
    client: GlideClient | GlideClusterClient,
    cluster: boolean,
    limits: PipelineLimits = DEFAULT_PIPELINE_LIMITS,
  ) {
    this.#client = client;
    this.#slots = cluster ? new SlotMap(client as GlideClusterClient) : undefined;
    this.#limits = limits;
  }

  /** Commands waiting to be sent, in all lanes. */
  get queued(): number {
    return this.#queued;
  }

  /** Sends one command; resolves with its reply or rejects with its own error. */
  send(args: string[], operation: string, sessionId?: string): Promise<GlideReturnType> {
    const refused = this.#refuse(1, operation, sessionId);
    if (refused !== undefined) return Promise.reject(refused);
    const name = this.#slots?.laneOf(keyOf(args)) ?? "";
    let lane = this.#lanes.get(name);
    if (lane === undefined) {
      lane = { queue: [], head: 0, inflight: 0, scheduled: false };
      this.#lanes.set(name, lane);
    }
    const target = lane;
    return new Promise((resolve, reject) => {
      let bytes = 0;
      for (const arg of args) bytes += arg.length;
      target.queue.push({ args, bytes, resolve, reject });
      this.#queued++;
      this.#schedule(target);
    });
  }

  /**
   * Throws the `OVERLOADED` error unless `count` more commands fit in the
   * queue. A call that sends several commands at once (a write and its
   * expiry) asks first, so it is refused whole, never half sent.
   */
  admit(count: number, operation: string, sessionId?: string): void {
    const refused = this.#refuse(count, operation, sessionId);
    if (refused !== undefined) throw refused;
  }

  #refuse(count: number, operation: string, sessionId?: string): ValkeyStoreError | undefined {
    if (this.#queued + count <= this.#limits.maxQueued) return undefined;
    return new ValkeyStoreError(
      operation,
      "OVERLOADED",
      `${this.#queued} commands are already waiting for Valkey (the limit is ${this.#limits.maxQueued}); retry later`,
      { sessionId },
    );
  }

  /** Sends one command on its own, outside any batch (a lone call, or a retry). */
  async sendAlone(args: string[]): Promise<GlideReturnType> {
    return await this.#client.customCommand(args) as GlideReturnType;
  }

  #schedule(lane: Lane): void {
    if (lane.scheduled || lane.inflight >= this.#limits.maxInflightBatches) return;
    lane.scheduled = true;
    queueMicrotask(() => {
      lane.scheduled = false;
      this.#drain(lane);
    });
  }

  #drain(lane: Lane): void {
    while (lane.inflight < this.#limits.maxInflightBatches && lane.head < lane.queue.length) {
      const batch = this.#take(lane);
      lane.inflight++;
      this.#run(batch).finally(() => {
        lane.inflight--;
        this.#drain(lane);
      });
    }
  }

  #take(lane: Lane): Pending[] {
    const { maxBatchSize, minBatchSize, maxBatchBytes, maxInflightBatches } = this.#limits;
    // Spread what is waiting over the free batch slots: several batches in
    // flight keep GLIDE and Valkey busy while this thread handles replies.
    const waiting = lane.queue.length - lane.head;
    const share = Math.ceil(waiting / (maxInflightBatches - lane.inflight));
    const size = Math.min(maxBatchSize, Math.max(minBatchSize, share));
    const batch: Pending[] = [];
    let bytes = 0;
    while (lane.head < lane.queue.length && batch.length < size) {
      const next = lane.queue[lane.head]!;
      if (batch.length > 0 && bytes + next.bytes > maxBatchBytes) break;
      batch.push(next);
      bytes += next.bytes;
      lane.head++;
    }
    this.#queued -= batch.length;
    if (lane.head === lane.queue.length) {
      lane.queue = [];
      lane.head = 0;
    } else if (lane.head > 4096) {
      lane.queue = lane.queue.slice(lane.head);
      lane.head = 0;
    }
    return batch;
  }

  async #run(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!;
      try {
        only.resolve(await this.sendAlone(only.args));
      } catch (error) {
        this.#trouble(error);
        only.reject(error);
      }
      return;
    }
    const cluster = this.#slots !== undefined;
    const pipeline = cluster ? new ClusterBatch(false) : new Batch(false);
    for (const pending of batch) pipeline.customCommand(pending.args);
    let results: GlideReturnType[] | null;
    try {
      results = cluster
        ? await (this.#client as GlideClusterClient).exec(pipeline as ClusterBatch, false)
        : await (this.#client as GlideClient).exec(pipeline as Batch, false);
    } catch (error) {
      this.#trouble(error);
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, i) => {
      const result = results?.[i];
      if (result instanceof Error) {
        this.#trouble(result);
        pending.reject(result);
      } else {
        pending.resolve(result as GlideReturnType);
      }
    });
  }

  #trouble(error: unknown): void {
    if (this.#slots === undefined) return;
    const moved = error instanceof Error && SLOTS_MOVED.test(error.message);
    if (moved || isUnreachableError(error)) this.#slots.refresh();
  }
}
