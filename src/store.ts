/**
 * The session store.
 *
 * @module
 */
import type { GlideClient, GlideClusterClient, GlideReturnType } from "@valkey/valkey-glide";
import { type Callback, settle } from "./callback.ts";
import { isClusterClient } from "./client_kind.ts";
import { CommandPipeline } from "./command_pipeline.ts";
import { downgradeToV1 } from "./downgrade.ts";
import { expressSessionPending, ExpressSessionStore } from "./express_session.ts";
import { toStoreError } from "./errors.ts";
import { prefixPattern } from "./keys.ts";
import { scanKeyPages } from "./key_scan.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SessionData,
  type SessionInput,
  type TtlOption,
  type ValkeyStoreOptions,
} from "./options.ts";
import { sendWithRetries } from "./retry_policy.ts";
import { deleteCommand } from "./scripts.ts";
import type { Serializer } from "./serializer.ts";
import { SessionOrigins } from "./session_merge.ts";
import { readSession } from "./session_read.ts";
import type { SessionWithId } from "./session_with_id.ts";
import { destroySession, saveSession, touchSession } from "./session_write.ts";
import type { StoreContext } from "./store_context.ts";
import {
  destroyUserSessions,
  type DestroyUserSessionsOptions,
  userSessions,
} from "./user_sessions.ts";

/**
 * A session store for express-session, connect and @fastify/session, backed
 * by Valkey through `@valkey/valkey-glide`, standalone or cluster.
 *
 * A session is a hash with one field per top-level key: a save of a session
 * this store loaded writes only the keys the request changed, so
 * overlapping requests of one browser merge (see the README). Every method
 * takes an optional node-style callback and returns a promise. Without a
 * callback, failures reject the promise with a {@link ValkeyStoreError};
 * with one, they go to the callback only.
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
  /** The `ttl` option: seconds, or a function of the session. */
  readonly ttl: TtlOption;
  /** The `scanCount` option. */
  readonly scanCount: number;
  /** The `serializer` option. */
  readonly serializer: Serializer;
  /** The `disableTouch` option. */
  readonly disableTouch: boolean;
  /** The `disableTTL` option. */
  readonly disableTTL: boolean;
  readonly #options: ResolvedOptions;
  readonly #cluster: boolean;
  readonly #pipeline: CommandPipeline;
  readonly #context: StoreContext;

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
    this.ttl = this.#options.ttl;
    this.scanCount = this.#options.scanCount;
    this.serializer = this.#options.serializer;
    this.disableTouch = this.#options.disableTouch;
    this.disableTTL = this.#options.disableTTL;
    this.#cluster = isClusterClient(this.client);
    this.#pipeline = new CommandPipeline(this.client, this.#cluster);
    this.#context = {
      options: this.#options,
      origins: new SessionOrigins(),
      send: (args, operation, sid) => this.#send(args, operation, sid),
      admit: (count, operation, sid) => this.#pipeline.admit(count, operation, sid),
      keyPages: (operation, type) => this.#keyPages(operation, type),
    };
  }

  /** True when the store's client is a `GlideClusterClient`. */
  get isCluster(): boolean {
    return this.#cluster;
  }

  /**
   * The session stored under `sid`, or `null` when there is none: exactly
   * what was saved (`cookie.expires` included, as the last `set()` or
   * `touch()` gave it).
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
    const session = await readSession(this.#context, sid, "get", true);
    if (pending !== undefined) await pending;
    return session;
  }

  /**
   * Stores `session` under `sid`. A session this store loaded (through
   * `get()`, and express-session's `createSession`) is merged: only the
   * top-level keys that changed since it was loaded are written, and the
   * keys it no longer has are deleted. Any other session replaces what is
   * stored. A save of a session destroyed less than 10 minutes ago is
   * dropped, unless express-session created it after that through this
   * store. A lifetime that has already ended deletes the session.
   *
   * @param sid The session id.
   * @param session The session data.
   * @param callback Optional node-style callback.
   */
  set(sid: string, session: SessionInput): Promise<void>;
  /** `set()` with a node-style callback; the returned promise never rejects. */
  set(sid: string, session: SessionInput, callback: Callback<void>): Promise<void>;
  set(sid: string, session: SessionInput, callback?: Callback<void>): Promise<void> {
    return settle(saveSession(this.#context, sid, session as SessionData), callback);
  }

  /**
   * Restarts the session's lifetime (the same rules as `set()`) and stores
   * its cookie, without rewriting its other data. A no-op with
   * `disableTouch` or `disableTTL`, and for a session that does not exist.
   *
   * @param sid The session id.
   * @param session The session, for its cookie.
   * @param callback Optional node-style callback.
   */
  touch(sid: string, session: SessionInput): Promise<void>;
  /** `touch()` with a node-style callback; the returned promise never rejects. */
  touch(sid: string, session: SessionInput, callback: Callback<void>): Promise<void>;
  touch(sid: string, session: SessionInput, callback?: Callback<void>): Promise<void> {
    return settle(touchSession(this.#context, sid, session as SessionData), callback);
  }

  /**
   * Deletes the session. Once this has completed, a `set()` of the same id
   * from a request that was still running cannot bring it back for 10
   * minutes (the logout mark, in the session's own key).
   *
   * @param sid The session id.
   * @param callback Optional node-style callback.
   */
  destroy(sid: string): Promise<void>;
  /** `destroy()` with a node-style callback; the returned promise never rejects. */
  destroy(sid: string, callback: Callback<void>): Promise<void>;
  destroy(sid: string, callback?: Callback<void>): Promise<void> {
    const work = destroySession(this.#context, sid, undefined, "destroy").then(() => {});
    return settle(work, callback);
  }

  /**
   * The live sessions of a user (needs the `userId` option), each with its
   * `id`, as `all()` returns them: for a "where you are signed in" page.
   *
   * @example Usage
   * ```ts ignore
   * const devices = await store.userSessions(req.user.id);
   * for (const session of devices) console.log(session.id, session.userAgent);
   * ```
   *
   * @param userId The user's id, as the `userId` option returns it.
   * @returns The user's sessions.
   */
  userSessions(userId: string | number): Promise<SessionWithId[]> {
    return userSessions(this.#context, userId);
  }

  /**
   * Ends every session of a user (needs the `userId` option) except those in
   * `except`, each as `destroy()` ends one: a request of that session still
   * in flight cannot save it back.
   *
   * @example Usage
   * ```ts ignore
   * // "Sign out other devices"
   * const ended = await store.destroyUserSessions(req.user.id, { except: req.sessionID });
   * ```
   *
   * @param userId The user's id, as the `userId` option returns it.
   * @param options Which sessions to keep.
   * @returns How many sessions were ended.
   */
  destroyUserSessions(
    userId: string | number,
    options: DestroyUserSessionsOptions = {},
  ): Promise<number> {
    return destroyUserSessions(this.#context, userId, options);
  }

  /**
   * Deletes every key of this store (sessions, logout marks, user indexes:
   * every key with its prefix), page by page.
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
    for await (const keys of this.#keyPages("clear", undefined)) {
      if (this.#cluster) {
        await Promise.all(keys.map((key) => this.#send(deleteCommand(key), "clear")));
      } else {
        await this.#send(deleteCommand(...keys), "clear");
      }
    }
  }

  /**
   * How many sessions the store holds (logout marks and user indexes are not sessions).
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
    for await (const keys of this.#sessionKeyPages("length")) count += keys.length;
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
    for await (const keys of this.#sessionKeyPages("ids")) {
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
    for await (const keys of this.#sessionKeyPages(operation)) {
      const ids = keys.map((key) => key.slice(cut));
      const sessions = await Promise.all(
        ids.map((id) => readSession(this.#context, id, operation, false)),
      );
      const page: SessionWithId[] = [];
      sessions.forEach((session, i) => {
        // null: expired or destroyed since the scan found it.
        if (session !== null) page.push(Object.assign(session, { id: ids[i]! }));
      });
      if (page.length > 0) yield page;
    }
  }

  /**
   * Rewrites every session in the 1.0.x layout (one serialized string per
   * session, with the same expiry) and deletes logout marks and user
   * indexes, so connect-valkey 1.0.x (or connect-redis) can take over the
   * same keys after a rollback without logging anyone out. Run it once the
   * old version serves the traffic: a save by this store afterwards would
   * write the current layout again.
   *
   * @example Usage
   * ```ts ignore
   * const rewritten = await store.downgradeToV1();
   * console.log(`${rewritten} sessions rewritten for connect-valkey 1.0.x`);
   * ```
   *
   * @returns How many sessions were rewritten.
   */
  downgradeToV1(): Promise<number> {
    return downgradeToV1(this.#context);
  }

  /** Keys of sessions: hashes, and strings of the 1.0.x layout. */
  async *#sessionKeyPages(operation: string): AsyncGenerator<string[]> {
    yield* this.#keyPages(operation, "hash");
    yield* this.#keyPages(operation, "string");
  }

  async *#keyPages(operation: string, type: string | undefined): AsyncGenerator<string[]> {
    try {
      yield* scanKeyPages({
        client: this.client,
        cluster: this.#cluster,
        pattern: prefixPattern(this.prefix),
        count: this.scanCount,
        operation,
        type,
        scanReshardWait: this.#options.scanReshardWait,
      });
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  /**
   * Remembers a session express-session created through this store: its
   * first save replaces whatever the key holds, a logout mark included.
   *
   * @param sid The new session's id.
   * @param session The new `req.session`.
   */
  protected override sessionGenerated(sid: string, session: object): void {
    this.#context.origins.set(session, { sessionId: sid, fresh: true });
  }

  /**
   * Moves what the store read for `data` to the `Session` express-session
   * built from it, so saving that session merges.
   *
   * @param data The data `get()` returned.
   * @param session The new `req.session`.
   */
  protected override sessionCreated(data: object, session: object): void {
    this.#context.origins.move(data, session);
  }

  #send(args: string[], operation: string, sid?: string): Promise<GlideReturnType> {
    return sendWithRetries(this.#pipeline, this.#cluster, args, operation, sid, this.#options);
  }
}
