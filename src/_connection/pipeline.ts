/**
 * Command pipelining. A GLIDE request costs far more in the app than the
 * command it carries, but a non-atomic `Batch` of many commands costs little
 * more than one request. So every store command goes through a queue:
 *
 * - commands are queued per lane: one lane in standalone mode, one per
 *   primary in cluster mode (see `slot_map.ts`), because GLIDE fails a whole
 *   batch when any part of it times out: a dead shard must not take healthy
 *   shards' commands down with it;
 * - a lane flushes at the end of the current event-loop turn
 *   (`setImmediate`), not the current microtask: calls that different HTTP
 *   requests make in the same turn then leave in one batch;
 * - with `maxInflightBatches` out, queued commands wait for a batch to
 *   return and leave together, so batches grow with the load; what is
 *   waiting is split over the free batch slots, at least `minBatchSize` a
 *   batch, so GLIDE and Valkey work on one batch while this thread handles
 *   another's replies;
 * - a batch holds at most `maxBatchSize` commands and `maxBatchBytes` bytes,
 *   so it finishes well within the client's request timeout;
 * - at most `maxQueued` commands wait in all; past that a call is refused at
 *   once with `OVERLOADED`. A call's commands are one entry, admitted or
 *   refused together (`sendTogether`) and sent in the same batch.
 *
 * Each caller gets its own reply or its own error: batches run with
 * `raiseOnError = false`, so one failed command does not fail its neighbours.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import {
  Batch,
  ClusterBatch,
  type GlideClient,
  type GlideClusterClient,
  type GlideReturnType,
} from "@valkey/valkey-glide";
import { StoreFailure } from "./failure.ts";
import { glideErrorKind, meansTopologyChanged } from "./glide_errors.ts";
import { SlotMap } from "./slot_map.ts";

const MAX_BATCH_SIZE = 64;
const MIN_BATCH_SIZE = 32;
const MAX_BATCH_BYTES = 1 << 20;
const MAX_INFLIGHT_BATCHES = 4;
const MAX_QUEUED = 50_000;

/** One call's commands, sent in the same batch; its replies come back in order. */
interface Pending {
  commands: string[][];
  bytes: number;
  /**
   * One command (`send`): resolves with its reply, rejects with its error.
   * Several (`sendTogether`): resolves with each reply or `Error`.
   */
  single: boolean;
  resolve: (value: GlideReturnType | GlideReturnType[]) => void;
  /** The whole batch failed (a timeout, a lost connection), or the single command did. */
  reject: (error: unknown) => void;
}

interface Lane {
  queue: Pending[];
  head: number;
  inflight: number;
  scheduled: boolean;
}

/** The key a command is about: after the script and key count for EVAL/EVALSHA. */
function keyOf(args: string[]): string {
  return (args[0] === "EVALSHA" || args[0] === "EVAL" ? args[3] : args[1]) ?? "";
}

/** Queues commands and sends them to Valkey in batches, per lane. */
export class CommandPipeline {
  readonly #client: GlideClient | GlideClusterClient;
  readonly #slots: SlotMap | undefined;
  readonly #lanes = new Map<string, Lane>();
  #queued = 0;

  constructor(client: GlideClient | GlideClusterClient, cluster: boolean) {
    this.#client = client;
    this.#slots = cluster ? new SlotMap(client as GlideClusterClient) : undefined;
  }

  /** Sends one command; resolves with its reply or rejects with its own error. */
  send(args: string[]): Promise<GlideReturnType> {
    const refused = this.#refuse(1);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      this.#enqueue([args], true, resolve as Pending["resolve"], reject);
    });
  }

  /**
   * Sends the commands of one call in the same batch: all admitted, or all
   * refused (`OVERLOADED`, thrown). Resolves with each command's reply or
   * `Error`; rejects when the whole batch failed.
   */
  sendTogether(commands: string[][]): Promise<GlideReturnType[]> {
    const refused = this.#refuse(commands.length);
    if (refused !== undefined) throw refused;
    return new Promise((resolve, reject) => {
      this.#enqueue(commands, false, resolve as Pending["resolve"], reject);
    });
  }

  #refuse(count: number): StoreFailure | undefined {
    if (this.#queued + count <= MAX_QUEUED) return undefined;
    return new StoreFailure(
      "OVERLOADED",
      `${this.#queued} commands are already waiting for Valkey (the limit is ${MAX_QUEUED}); retry later`,
    );
  }

  #enqueue(
    commands: string[][],
    single: boolean,
    resolve: Pending["resolve"],
    reject: Pending["reject"],
  ): void {
    // The commands of one call are about one key: one lane.
    const name = this.#slots?.laneOf(keyOf(commands[0]!)) ?? "";
    let lane = this.#lanes.get(name);
    if (lane === undefined) {
      lane = { queue: [], head: 0, inflight: 0, scheduled: false };
      this.#lanes.set(name, lane);
    }
    let bytes = 0;
    for (const args of commands) for (const arg of args) bytes += arg.length;
    lane.queue.push({ commands, bytes, single, resolve, reject });
    this.#queued += commands.length;
    this.#schedule(lane);
  }

  #schedule(lane: Lane): void {
    if (lane.scheduled || lane.inflight >= MAX_INFLIGHT_BATCHES) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      this.#drain(lane);
    });
  }

  #drain(lane: Lane): void {
    while (lane.inflight < MAX_INFLIGHT_BATCHES && lane.head < lane.queue.length) {
      const batch = this.#take(lane);
      lane.inflight++;
      this.#run(batch).finally(() => {
        lane.inflight--;
        this.#drain(lane);
      });
    }
  }

  #take(lane: Lane): Pending[] {
    const waiting = lane.queue.length - lane.head; // calls (most send one command)
    const share = Math.ceil(waiting / (MAX_INFLIGHT_BATCHES - lane.inflight));
    const size = Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, share));
    const batch: Pending[] = [];
    let bytes = 0;
    let count = 0;
    while (lane.head < lane.queue.length && count < size) {
      const next = lane.queue[lane.head]!;
      if (batch.length > 0 && bytes + next.bytes > MAX_BATCH_BYTES) break;
      batch.push(next);
      bytes += next.bytes;
      count += next.commands.length;
      lane.head++;
    }
    this.#queued -= count;
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
    const only = batch.length === 1 ? batch[0]! : undefined;
    if (only !== undefined && only.commands.length === 1) {
      // A lone command: no batch around it.
      try {
        const reply = await this.#client.customCommand(only.commands[0]!) as GlideReturnType;
        only.resolve(only.single ? reply : [reply]);
      } catch (error) {
        this.#trouble(error);
        only.reject(error);
      }
      return;
    }
    const cluster = this.#slots !== undefined;
    const pipeline = cluster ? new ClusterBatch(false) : new Batch(false);
    for (const pending of batch) {
      for (const args of pending.commands) pipeline.customCommand(args);
    }
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
    const replies = results ?? [];
    let at = 0;
    for (const pending of batch) {
      if (pending.single) {
        const reply = replies[at++];
        if (reply instanceof Error) {
          this.#trouble(reply);
          pending.reject(reply);
        } else pending.resolve(reply as GlideReturnType);
        continue;
      }
      const own = replies.slice(at, at + pending.commands.length);
      at += pending.commands.length;
      for (const reply of own) if (reply instanceof Error) this.#trouble(reply);
      pending.resolve(own);
    }
  }

  #trouble(error: unknown): void {
    if (this.#slots !== undefined && meansTopologyChanged(glideErrorKind(error))) {
      this.#slots.refresh();
    }
  }
}
