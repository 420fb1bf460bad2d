/**
 * The session store.
 *
 * @module
 */
import type { GlideClient, GlideClusterClient, GlideReturnType } from "@valkey/valkey-glide";
import { type Callback, settle } from "./callback.ts";
import { isClusterClient } from "./client_kind.ts";
import { CommandPipeline } from "./command_pipeline.ts";
import { expressSessionPending, ExpressSessionStore } from "./express_session.ts";
import { destroyedMarkerKey, prefixPattern, sessionKey } from "./keys.ts";
import { scanKeyPages } from "./key_scan.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SessionData,
  type SessionInput,
  type ValkeyStoreOptions,
} from "./options.ts";
import {
  deleteCommand,
  destroyCommand,
  readCommands,
  setCommand,
  touchCommand,
} from "./scripts.ts";
import { toStoreError } from "./errors.ts";
import { sendWithRetries } from "./retry_policy.ts";
import { decodeSession, encodeSession } from "./serializer.ts";
import { applyKeyExpiry, sessionTtlMs } from "./ttl.ts";

/**
 * A stored session together with its id, as `all()` and `sessionPages()` return it.
 *
 * @example Usage
 * ```ts
 * import type { SessionWithId } from "@gjuchault/connect-valkey";
 *
 * const listed: SessionWithId = { id: "abc", cookie: {}, user: "ada" };
 * console.log(listed.id);
 * ```
 */
export type SessionWithId = SessionData & { id: string };

/**
 * A session store for express-session, connect and @fastify/session, backed
 * by Valkey through `@valkey/valkey-glide`, standalone or cluster.
 *
 * Every method takes an optional node-style callback and returns a promise.
 * Without a callback, failures reject the promise with a
 * {@link ValkeyStoreError}; with one, they go to the callback only.
 *
 * @example Usage
 * ```ts ignore
 * import { GlideClient } from "@valkey/valkey-glide";
 * import { ValkeyStore } from "@gjuchault/connect-valkey";
 *
 * const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: 6379 }] });
 * const store = new ValkeyStore({ client, prefix: "myapp:", ttl: 3600 });
 * await store.set("abc", { cookie: { originalMaxAge: null }, user: "ada" });
 * console.log(await store.get("abc")); // { cookie: { originalMaxAge: null }, user: "ada" }
 * client.close();
 * ```
 */
export class ValkeyStore extends ExpressSessionStore {
  /** The client the store was given. */
  readonly client: GlideClient | GlideClusterClient;
  /** The prefix of this store's keys. */
  readonly prefix: string;
  readonly #options: ResolvedOptions;
  readonly #cluster: boolean;
  readonly #pipeline: CommandPipeline;

  /**
   * Creates a store; throws a `TypeError` or `RangeError` naming the option
   * when an option is invalid.
   *
   * @param options The client and the store's options.
   */
  constructor(options: ValkeyStoreOptions) {
    super();
    this.#options = resolveOptions(options);
    this.client = this.#options.client;
    this.prefix = this.#options.prefix;
    this.#cluster = isClusterClient(this.client);
    this.#pipeline = new CommandPipeline(this.client, this.#cluster);
  }

  /** True when the store's client is a `GlideClusterClient`. */
  get isCluster(): boolean {
    return this.#cluster;
  }

  /**
   * The session stored under `sid`, or `null` when there is none. When the
   * session's cookie has an expiry, `cookie.expires` is the key's current
   * expiry (so it reflects the last `touch()`).
   *
   * @param sid The session id.
   * @param callback Optional node-style callback.
   * @returns The session, or `null`.
   */
  get(sid: string): Promise<SessionData | null>;
  /** `get()` with a node-style callback; the returned promise never rejects. */
  get(sid: string, callback: Callback<SessionData | null>): Promise<void>;
  get(
    sid: string,
    callback?: Callback<SessionData | null>,
  ): Promise<SessionData | null> | Promise<void> {
    return settle(this.#get(sid), callback);
  }

  async #get(sid: string): Promise<SessionData | null> {
    const pending = expressSessionPending();
    const session = await this.#read(sessionKey(this.prefix, sid), "get", sid);
    if (pending !== undefined) await pending;
    return session;
  }

  /** Reads and parses one session; `null` when the key does not exist. */
  async #read(key: string, operation: string, sid: string): Promise<SessionData | null> {
    const [get, pttl] = readCommands(key);
    const [text, ttl] = await Promise.all([
      this.#send(get, operation, sid),
      this.#send(pttl, operation, sid),
    ]);
    if (text === null) return null;
    const session = await decodeSession(this.#options.serializer, text, operation, sid);
    applyKeyExpiry(session, Number(ttl));
    return session;
  }

  /**
   * Stores `session` under `sid`. Its lifetime comes from `cookie.expires`
   * when valid, else from the `ttl` option; a lifetime of 0 or less deletes
   * it. A session destroyed less than 10 minutes ago is not written back.
   *
   * @param sid The session id.
   * @param session The session data.
   * @param callback Optional node-style callback.
   */
  set(sid: string, session: SessionInput): Promise<void>;
  /** `set()` with a node-style callback; the returned promise never rejects. */
  set(sid: string, session: SessionInput, callback: Callback<void>): Promise<void>;
  set(sid: string, session: SessionInput, callback?: Callback<void>): Promise<void> {
    return settle(this.#set(sid, session), callback);
  }

  async #set(sid: string, input: SessionInput): Promise<void> {
    const session = input as SessionData;
    const key = sessionKey(this.prefix, sid);
    const ttlMs = sessionTtlMs(this.#options, session, "set", sid);
    if (ttlMs !== undefined && ttlMs <= 0) {
      await this.#send(deleteCommand(key), "set", sid);
      return;
    }
    const text = encodeSession(this.#options.serializer, session, "set", sid);
    await this.#send(setCommand(key, destroyedMarkerKey(key), text, ttlMs), "set", sid);
  }

  /**
   * Restarts the session's lifetime (from `cookie.expires` or `ttl`) without
   * rewriting its data. A no-op with `disableTouch` or `disableTTL`, and for
   * a session that does not exist.
   *
   * @param sid The session id.
   * @param session The session, for its cookie's expiry.
   * @param callback Optional node-style callback.
   */
  touch(sid: string, session: SessionInput): Promise<void>;
  /** `touch()` with a node-style callback; the returned promise never rejects. */
  touch(sid: string, session: SessionInput, callback: Callback<void>): Promise<void>;
  touch(sid: string, session: SessionInput, callback?: Callback<void>): Promise<void> {
    return settle(this.#touch(sid, session), callback);
  }

  async #touch(sid: string, input: SessionInput): Promise<void> {
    if (this.#options.disableTouch || this.#options.disableTTL) return;
    const key = sessionKey(this.prefix, sid);
    const ttlMs = sessionTtlMs(this.#options, input as SessionData, "touch", sid) ?? 0;
    const command = ttlMs <= 0
      ? deleteCommand(key)
      : touchCommand(key, ttlMs, this.#options.touchAfterMs);
    await this.#send(command, "touch", sid);
  }

  /**
   * Deletes the session. Once this has completed, a `set()` of the same id
   * from a request that was still running cannot bring it back.
   *
   * @param sid The session id.
   * @param callback Optional node-style callback.
   */
  destroy(sid: string): Promise<void>;
  /** `destroy()` with a node-style callback; the returned promise never rejects. */
  destroy(sid: string, callback: Callback<void>): Promise<void>;
  destroy(sid: string, callback?: Callback<void>): Promise<void> {
    const key = sessionKey(this.prefix, sid);
    const work = this.#send(destroyCommand(key, destroyedMarkerKey(key)), "destroy", sid).then(
      () => {},
    );
    return settle(work, callback);
  }

  /**
   * Deletes every session of this store (keys with its prefix only), page by page.
   *
   * @param callback Optional node-style callback.
   */
  clear(): Promise<void>;
  /** `clear()` with a node-style callback; the returned promise never rejects. */
  clear(callback: Callback<void>): Promise<void>;
  clear(callback?: Callback<void>): Promise<void> {
    return settle(this.#clear(), callback);
  }

  async #clear(): Promise<void> {
    for await (const keys of this.#keyPages("clear")) {
      if (this.#cluster) {
        await Promise.all(keys.map((key) => this.#send(deleteCommand(key), "clear")));
      } else {
        await this.#send(["DEL", ...keys], "clear");
      }
    }
  }

  /**
   * How many sessions the store holds.
   *
   * @param callback Optional node-style callback.
   * @returns The number of sessions.
   */
  length(): Promise<number>;
  /** `length()` with a node-style callback; the returned promise never rejects. */
  length(callback: Callback<number>): Promise<void>;
  length(callback?: Callback<number>): Promise<number> | Promise<void> {
    return settle(this.#count(), callback);
  }

  async #count(): Promise<number> {
    let count = 0;
    for await (const keys of this.#keyPages("length")) count += keys.length;
    return count;
  }

  /**
   * The ids of every session of this store.
   *
   * @param callback Optional node-style callback.
   * @returns The session ids.
   */
  ids(): Promise<string[]>;
  /** `ids()` with a node-style callback; the returned promise never rejects. */
  ids(callback: Callback<string[]>): Promise<void>;
  ids(callback?: Callback<string[]>): Promise<string[]> | Promise<void> {
    return settle(this.#ids(), callback);
  }

  async #ids(): Promise<string[]> {
    const ids: string[] = [];
    const cut = this.prefix.length;
    for await (const keys of this.#keyPages("ids")) {
      for (const key of keys) ids.push(key.slice(cut));
    }
    return ids;
  }

  /**
   * Every session of this store, each with its `id`. A stored value that
   * cannot be parsed makes the whole call fail with an error naming its id.
   *
   * @param callback Optional node-style callback.
   * @returns The sessions.
   */
  all(): Promise<SessionWithId[]>;
  /** `all()` with a node-style callback; the returned promise never rejects. */
  all(callback: Callback<SessionWithId[]>): Promise<void>;
  all(callback?: Callback<SessionWithId[]>): Promise<SessionWithId[]> | Promise<void> {
    return settle(this.#all(), callback);
  }

  async #all(): Promise<SessionWithId[]> {
    const sessions: SessionWithId[] = [];
    for await (const page of this.#sessionPages("all")) sessions.push(...page);
    return sessions;
  }

  /**
   * The store's sessions, a page (about `scanCount` sessions) at a time, for
   * callers who cannot hold them all at once.
   *
   * @example Usage
   * ```ts ignore
   * for await (const page of store.sessionPages()) {
   *   for (const session of page) console.log(session.id);
   * }
   * ```
   *
   * @returns An async iterator of pages of sessions, each with its `id`.
   */
  sessionPages(): AsyncGenerator<SessionWithId[]> {
    return this.#sessionPages("sessionPages");
  }

  async *#sessionPages(operation: string): AsyncGenerator<SessionWithId[]> {
    const cut = this.prefix.length;
    for await (const keys of this.#keyPages(operation)) {
      const sessions = await Promise.all(
        keys.map((key) => this.#read(key, operation, key.slice(cut))),
      );
      const page: SessionWithId[] = [];
      sessions.forEach((session, i) => {
        // null: expired since the scan found it.
        if (session !== null) page.push(Object.assign(session, { id: keys[i]!.slice(cut) }));
      });
      if (page.length > 0) yield page;
    }
  }

  async *#keyPages(operation: string): AsyncGenerator<string[]> {
    try {
      yield* scanKeyPages({
        client: this.client,
        cluster: this.#cluster,
        pattern: prefixPattern(this.prefix),
        count: this.#options.scanCount,
        operation,
      });
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  #send(args: string[], operation: string, sid?: string): Promise<GlideReturnType> {
    return sendWithRetries(this.#pipeline, this.#cluster, args, operation, sid, this.#options);
  }
}
