/**
 * Command pipelining. A GLIDE request costs far more in Node than the
 * command it carries, but a non-atomic `Batch` of many commands costs little
 * more than one request. So every store command goes through one queue per
 * store:
 *
 * - when fewer than `maxInflightBatches` are out, queued commands leave at
 *   the end of the current microtask (a lone call is not delayed);
 * - otherwise they wait, and leave together in the next batch when one
 *   returns, so the batch size grows with the load;
 * - a batch holds at most `maxBatchSize` commands and `maxBatchBytes`
 *   bytes of arguments, so a batch finishes well within the client's
 *   `requestTimeout`;
 * - the queue holds at most `maxQueued` commands; past that a call fails at
 *   once with an `OVERLOADED` error instead of growing memory without bound;
 * - at most `maxInflightBatches` requests are in flight, far below GLIDE's
 *   in-flight limit (1000 per client by default).
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
import { ValkeyStoreError } from "./errors.ts";

/** Bounds of a {@link CommandPipeline}. */
export interface PipelineLimits {
  maxBatchSize: number;
  maxBatchBytes: number;
  maxInflightBatches: number;
  maxQueued: number;
}

/** Defaults measured with `bench/store_ops.ts` on a 2-core machine. */
export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = {
  maxBatchSize: 64,
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

/** Queues commands and sends them to Valkey in pipelines. */
export class CommandPipeline {
  readonly #client: GlideClient | GlideClusterClient;
  readonly #cluster: boolean;
  readonly #limits: PipelineLimits;
  #queue: Pending[] = [];
  #head = 0;
  #inflight = 0;
  #scheduled = false;

  constructor(
    client: GlideClient | GlideClusterClient,
    cluster: boolean,
    limits: PipelineLimits = DEFAULT_PIPELINE_LIMITS,
  ) {
    this.#client = client;
    this.#cluster = cluster;
    this.#limits = limits;
  }

  /** Commands waiting to be sent. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Sends one command; resolves with its reply or rejects with its own error. */
  send(args: string[], operation: string, sessionId?: string): Promise<GlideReturnType> {
    if (this.queued >= this.#limits.maxQueued) {
      return Promise.reject(
        new ValkeyStoreError(
          operation,
          "OVERLOADED",
          `${this.queued} commands are already waiting for Valkey (the limit is ${this.#limits.maxQueued}); retry later`,
          { sessionId },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      let bytes = 0;
      for (const arg of args) bytes += arg.length;
      this.#queue.push({ args, bytes, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inflight >= this.#limits.maxInflightBatches) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inflight < this.#limits.maxInflightBatches && this.queued > 0) {
      const batch = this.#take();
      this.#inflight++;
      this.#run(batch).finally(() => {
        this.#inflight--;
        this.#drain();
      });
    }
  }

  #take(): Pending[] {
    const { maxBatchSize, maxBatchBytes } = this.#limits;
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.#head < this.#queue.length && batch.length < maxBatchSize) {
      const next = this.#queue[this.#head]!;
      if (batch.length > 0 && bytes + next.bytes > maxBatchBytes) break;
      batch.push(next);
      bytes += next.bytes;
      this.#head++;
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  async #run(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!;
      try {
        only.resolve(await this.#client.customCommand(only.args) as GlideReturnType);
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    const pipeline = this.#cluster ? new ClusterBatch(false) : new Batch(false);
    for (const pending of batch) pipeline.customCommand(pending.args);
    let results: GlideReturnType[] | null;
    try {
      results = this.#cluster
        ? await (this.#client as GlideClusterClient).exec(pipeline as ClusterBatch, false)
        : await (this.#client as GlideClient).exec(pipeline as Batch, false);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, i) => {
      const result = results?.[i];
      if (result instanceof Error) pending.reject(result);
      else pending.resolve(result as GlideReturnType);
    });
  }
}
