/**
 * The floor: what GLIDE itself costs for the commands this store sends.
 * Raw `Batch(false)` of the same Valkey commands at the same depth (same
 * callers), with JSON encoding and decoding of the session included, and
 * nothing else: callers queue commands into one shared queue, flushed on
 * `setImmediate` into batches of at most {@link MAX_BATCH} commands, at most
 * {@link MAX_IN_FLIGHT} batches in flight, split as the store splits them
 * (at least {@link MIN_BATCH} per batch).
 *
 * The commands per operation are one table, {@link FLOOR_COMMANDS}, built
 * with the store's own command builders (`src/_format.ts`).
 *
 * @module
 */
import { Batch, GlideClient, type GlideReturnType } from "@valkey/valkey-glide";
import { session, TTL_MS } from "./fixture.ts";
import { evalForm } from "../src/_connection/script.ts";
import {
  compareAndSetCommand,
  extendCommand,
  readCommands,
  replaceCommand,
  writeCommand,
} from "../src/_format.ts";

/** Commands per batch. */
export const MAX_BATCH = 64;
/** Commands per batch at least, when waiting commands are split over free slots. */
export const MIN_BATCH = 32;
/** Batches in flight at once. */
export const MAX_IN_FLIGHT = 4;

/** An operation of the floor. */
export type FloorOp = "get" | "set" | "replace" | "touch" | "save";

/**
 * The Valkey commands this store sends per operation, built by the store's
 * own command builders: get `GET` + `PEXPIRETIME`; set (a session
 * express-session generated) `SET … PXAT`; replace (a plain object over a
 * stored session) the replace script after a `SET … NX` that found the key
 * (counted here as the script alone); touch `PEXPIREAT … GT`; save (a loaded
 * session, one field changed) the compare-and-set script.
 */
export const FLOOR_COMMANDS: Record<
  FloorOp,
  (key: string, session: Record<string, unknown>, expiresAt: number, read?: string) => string[][]
> = {
  get: (key) => readCommands(key, true),
  set: (key, session, expiresAt) => [writeCommand(key, JSON.stringify(session), expiresAt)],
  replace: (key, session, expiresAt) => [
    replaceCommand(key, JSON.stringify(session), expiresAt),
  ],
  touch: (key, _session, expiresAt) => [extendCommand(key, expiresAt)],
  save: (key, session, expiresAt, read) => [
    compareAndSetCommand(key, read ?? "", JSON.stringify(session), expiresAt),
  ],
};

interface Queued {
  commands: string[][];
  resolve: (results: GlideReturnType[]) => void;
  reject: (error: unknown) => void;
}

/** A shared queue flushed on `setImmediate` into `Batch(false)`s. */
class BatchQueue {
  readonly #client: GlideClient;
  #queue: Queued[] = [];
  #inFlight = 0;
  #scheduled = false;
  /** Batches sent and commands in them, to check how full batches are. */
  readonly sent = { batches: 0, commands: 0 };

  constructor(client: GlideClient) {
    this.#client = client;
  }

  send(commands: string[][]): Promise<GlideReturnType[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ commands, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#inFlight < MAX_IN_FLIGHT && this.#queue.length > 0) {
      // The store's batching: what waits is split over the free slots, at
      // least MIN_BATCH per batch.
      const share = Math.ceil(this.#queue.length / (MAX_IN_FLIGHT - this.#inFlight));
      const size = Math.min(MAX_BATCH, Math.max(MIN_BATCH, share));
      const taken: Queued[] = [];
      let count = 0;
      while (this.#queue.length > 0) {
        const next = this.#queue[0]!;
        if (taken.length > 0 && count + next.commands.length > size) break;
        taken.push(this.#queue.shift()!);
        count += next.commands.length;
      }
      const batch = new Batch(false);
      for (const entry of taken) {
        for (const command of entry.commands) batch.customCommand(command);
      }
      this.#inFlight++;
      this.sent.batches++;
      this.sent.commands += count;
      this.#client.exec(batch, false).then(
        (results) => this.#settle(taken, results ?? []),
        (error) => this.#fail(taken, error),
      );
    }
  }

  #settle(taken: Queued[], results: GlideReturnType[]): void {
    this.#inFlight--;
    let at = 0;
    for (const entry of taken) {
      const own = results.slice(at, at + entry.commands.length);
      at += entry.commands.length;
      const error = own.find((result) => result instanceof Error);
      if (error === undefined) entry.resolve(own);
      else entry.reject(error);
    }
    if (this.#queue.length > 0) this.#schedule();
  }

  #fail(taken: Queued[], error: unknown): void {
    this.#inFlight--;
    for (const entry of taken) entry.reject(error);
    if (this.#queue.length > 0) this.#schedule();
  }
}

function expireAt(session: Record<string, unknown>): number {
  const expires = (session.cookie as { expires?: unknown } | undefined)?.expires;
  return expires === undefined || expires === null
    ? Date.now() + TTL_MS
    : new Date(expires as string | Date).getTime();
}

/** The floor's operations on one GLIDE client, under `prefix`. */
export interface Floor {
  get(sid: string): Promise<Record<string, unknown> | null>;
  set(sid: string, session: Record<string, unknown>): Promise<unknown>;
  touch(sid: string, session: Record<string, unknown>): Promise<unknown>;
  /** A plain object over a stored session: the replace script. */
  replace(sid: string, session: Record<string, unknown>): Promise<unknown>;
  /** A loaded session with one field changed: the compare-and-set. */
  save(sid: string, session: Record<string, unknown>): Promise<unknown>;
  /** Batches sent so far and the commands in them. */
  sent: { batches: number; commands: number };
  close(): void;
}

/** Connects the floor to the valkey-server on `port` and loads the store's scripts. */
export async function openFloor(port: number, prefix: string): Promise<Floor> {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });
  // Load the scripts: their EVAL form, once, on a key of no session.
  const warm = session(0);
  for (const op of ["replace", "save"] as const) {
    for (const command of FLOOR_COMMANDS[op](prefix + "warm-up", warm, Date.now() + TTL_MS)) {
      await client.customCommand(evalForm(command) ?? command);
    }
  }
  const queue = new BatchQueue(client);
  // What get read, per session id: the value a save's compare-and-set expects.
  const read = new Map<string, string>();
  const run = (op: FloorOp, sid: string, session: Record<string, unknown>) =>
    queue.send(FLOOR_COMMANDS[op](prefix + sid, session, expireAt(session), read.get(sid)));
  return {
    get: async (sid) => {
      const [text] = await queue.send(FLOOR_COMMANDS.get(prefix + sid, {}, 0));
      if (text === null || text === "") return null;
      read.set(sid, String(text));
      return JSON.parse(String(text));
    },
    set: (sid, session) => run("set", sid, session),
    replace: (sid, session) => run("replace", sid, session),
    touch: (sid, session) => run("touch", sid, session),
    save: async (sid, session) => {
      const [reply] = await run("save", sid, session);
      if (Number(reply) === 1) read.set(sid, JSON.stringify(session));
      return reply;
    },
    sent: queue.sent,
    close: () => client.close(),
  };
}
