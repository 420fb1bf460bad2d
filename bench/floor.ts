/**
 * The floor: what GLIDE itself costs for the commands this store sends.
 * Raw `Batch(false)` of the same Valkey commands at the same depth (same
 * callers), with JSON encoding and decoding of the session included, and
 * nothing else: callers queue commands into one shared queue, flushed on
 * `setImmediate` into batches of at most {@link MAX_BATCH} commands, at most
 * {@link MAX_IN_FLIGHT} batches in flight.
 *
 * The commands per operation are one table, {@link FLOOR_COMMANDS}, for the
 * per-field layout (a session is a hash: one field per top-level session
 * key, JSON per field, plus a version field "#v"). Adjust it when the
 * store's commands change.
 *
 * @module
 */
import { Batch, GlideClient, type GlideReturnType } from "@valkey/valkey-glide";
import { SAVE_FIELD, TTL_MS } from "./fixture.ts";

/** Commands per batch. */
export const MAX_BATCH = 64;
/** Batches in flight at once. */
export const MAX_IN_FLIGHT = 4;

/** The replace script: the whole hash is rewritten, then its expiry set. */
export const REPLACE_SCRIPT = `redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '#v', '2', unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1`;

/** What an operation's commands are built from. */
export interface FloorInput {
  key: string;
  /** The session's expiry, Unix ms. */
  expireAtMs: string;
  /** `field, json, field, json…`: every field for `set`, the changed ones for `save`. */
  fields: string[];
  /** The cookie's JSON. */
  cookie: string;
  /** SHA-1 of {@link REPLACE_SCRIPT} on the server. */
  replaceSha: string;
}

/** An operation of the floor. */
export type FloorOp = "get" | "set" | "touch" | "save";

/**
 * The Valkey commands this store sends per operation with the per-field
 * layout. Differences from the store, on purpose or for lack of the real
 * script:
 * - touch: the store sends one `EVALSHA <sha> 1 key <cookieJson> <expireAtMs>`
 *   (it also rewrites the cookie field); the floor sends plain `PEXPIREAT`.
 * - set: {@link REPLACE_SCRIPT} stands in for the store's replace script.
 */
export const FLOOR_COMMANDS: Record<FloorOp, (input: FloorInput) => string[][]> = {
  get: ({ key }) => [["HGETALL", key]],
  touch: ({ key, expireAtMs }) => [["PEXPIREAT", key, expireAtMs]],
  set: ({ key, expireAtMs, fields, replaceSha }) => [
    ["EVALSHA", replaceSha, "1", key, expireAtMs, ...fields],
  ],
  save: ({ key, expireAtMs, fields, cookie }) => [
    ["HSET", key, ...fields, "cookie", cookie, "#v", "2"],
    ["PEXPIREAT", key, expireAtMs],
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
      const taken: Queued[] = [];
      let count = 0;
      while (this.#queue.length > 0) {
        const next = this.#queue[0]!;
        if (taken.length > 0 && count + next.commands.length > MAX_BATCH) break;
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

function expireAt(session: Record<string, unknown>): string {
  const expires = (session.cookie as { expires?: unknown } | undefined)?.expires;
  const at = expires === undefined || expires === null
    ? Date.now() + TTL_MS
    : new Date(expires as string | Date).getTime();
  return String(at);
}

function encodeFields(session: Record<string, unknown>, names: string[]): string[] {
  const fields: string[] = [];
  for (const name of names) fields.push(name, JSON.stringify(session[name]));
  return fields;
}

/** Decodes an HGETALL reply (GLIDE gives `[{ key, value }]`) into a session. */
function decodeHash(reply: GlideReturnType): Record<string, unknown> | null {
  const entries = reply as Array<{ key: unknown; value: unknown }>;
  if (entries.length === 0) return null;
  const session: Record<string, unknown> = {};
  for (const { key, value } of entries) {
    const name = String(key);
    if (name !== "#v") session[name] = JSON.parse(String(value));
  }
  return session;
}

/** The floor's operations on one GLIDE client, under `prefix`. */
export interface Floor {
  get(sid: string): Promise<Record<string, unknown> | null>;
  set(sid: string, session: Record<string, unknown>): Promise<unknown>;
  touch(sid: string, session: Record<string, unknown>): Promise<unknown>;
  /** Writes {@link SAVE_FIELD} and the cookie of a loaded session. */
  save(sid: string, session: Record<string, unknown>): Promise<unknown>;
  /** Batches sent so far and the commands in them. */
  sent: { batches: number; commands: number };
  close(): void;
}

/** Connects the floor to the valkey-server on `port` and loads its script. */
export async function openFloor(port: number, prefix: string): Promise<Floor> {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });
  const replaceSha = String(await client.customCommand(["SCRIPT", "LOAD", REPLACE_SCRIPT]));
  const queue = new BatchQueue(client);
  const input = (
    sid: string,
    session: Record<string, unknown>,
    fields: string[],
  ): FloorInput => ({
    key: prefix + sid,
    expireAtMs: expireAt(session),
    fields,
    cookie: JSON.stringify(session.cookie ?? null),
    replaceSha,
  });
  return {
    get: async (sid) => {
      const key = prefix + sid;
      const commands = FLOOR_COMMANDS.get({
        key,
        expireAtMs: "",
        fields: [],
        cookie: "",
        replaceSha,
      });
      const [reply] = await queue.send(commands);
      return decodeHash(reply!);
    },
    set: (sid, session) =>
      queue.send(
        FLOOR_COMMANDS.set(input(sid, session, encodeFields(session, Object.keys(session)))),
      ),
    touch: (sid, session) => queue.send(FLOOR_COMMANDS.touch(input(sid, session, []))),
    save: (sid, session) =>
      queue.send(FLOOR_COMMANDS.save(input(sid, session, encodeFields(session, [SAVE_FIELD])))),
    sent: queue.sent,
    close: () => client.close(),
  };
}
