/**
 * The session store: options, node-style callbacks, express-session's
 * hooks, and listing. Sessions are read and written by the repository
 * (`_repository.ts`); what is in Valkey is described in `_format.ts`.
 *
 * @module
 */
import type { GlideClient, GlideClusterClient } from "@valkey/valkey-glide";
import { type Callback, settle } from "./callback.ts";
import { Connection } from "./_connection/connection.ts";
import { ExpressSessionStore } from "./express_session.ts";
import { toStoreError } from "./errors.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SessionData,
  type SessionInput,
  type TtlOption,
  type ValkeyStoreOptions,
} from "./options.ts";
import { SessionRepository } from "./_repository.ts";
import { SessionScan } from "./_session_scan.ts";
import type { Serializer } from "./serializer.ts";
import type { SessionWithId } from "./session_with_id.ts";
import { type DestroyUserSessionsOptions, normalizeUserId } from "./_user_index.ts";

/** Resolves a call's promise with nothing (its reply is not the caller's business). */
const nothing = (): void => {};

/**
 * A session store for express-session, connect and @fastify/session, backed
 * by Valkey through `@valkey/valkey-glide`, standalone or cluster.
 *
 * A session is one string (the serializer's output), as connect-valkey 1.0.x
 * and connect-redis store it. A save of a session this store loaded is a
 * compare-and-set that re-applies only the keys the request changed when
 * another request wrote first, so overlapping requests of one browser
 * merge (see the README). Every method
 * takes an optional node-style callback and returns a promise. Without a
 * callback, failures reject the promise with a `ValkeyStoreError`;
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
  readonly #options: ResolvedOptions;
  readonly #connection: Connection;
  readonly #sessions: SessionRepository;
  readonly #scan: SessionScan;

  /**
   * Creates a store; throws a `TypeError` or `RangeError` naming the option
   * when an option is invalid.
   *
   * @param options The client and the store's options.
   */
  constructor(options: ValkeyStoreOptions) {
    super();
    this.#options = resolveOptions(options);
    this.#connection = new Connection(this.client, this.#options);
    this.#sessions = new SessionRepository(this.#connection, this.#options);
    this.#scan = new SessionScan(this.#connection, this.#options);
  }

  /** The client the store was given. */
  get client(): GlideClient | GlideClusterClient {
    return this.#options.client;
  }
  /** The prefix of this store's keys. */
  get prefix(): string {
    return this.#options.prefix;
  }
  /** The `ttl` option: seconds, or a function of the session. */
  get ttl(): TtlOption {
    return this.#options.ttl;
  }
  /** The `scanCount` option. */
  get scanCount(): number {
    return this.#options.scanCount;
  }
  /** The `serializer` option. */
  get serializer(): Serializer {
    return this.#options.serializer;
  }
  /** The `disableTouch` option. */
  get disableTouch(): boolean {
    return this.#options.disableTouch;
  }
  /** The `disableTTL` option. */
  get disableTTL(): boolean {
    return this.#options.disableTTL;
  }

  /** True when the store's client is a `GlideClusterClient`. */
  get isCluster(): boolean {
    return this.#connection.cluster;
  }

  /** Runs `work` as store method `operation`: its errors name the method and the session. */
  #call<T>(operation: string, sid: string | undefined, work: () => Promise<T>): Promise<T> {
    const named = (error: unknown): Promise<never> =>
      // A misuse of the API (a TypeError naming the problem) is not a store failure.
      Promise.reject(error instanceof TypeError ? error : toStoreError(error, operation, sid));
    try {
      return work().catch(named);
    } catch (error) {
      return named(error);
    }
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
    return settle(this.#call("get", sid, () => this.#get(sid)), callback);
  }

  #get(sid: string): Promise<SessionData | null> {
    const pending = this.expressSessionPending();
    const read = this.#sessions.get(sid, true);
    // createSession() needs express-session, imported once it attached to the store.
    return pending === undefined ? read : read.then((session) => pending.then(() => session));
  }

  /**
   * Stores `session` under `sid`. A session this store loaded (through
   * `get()`, and express-session's `createSession`) is merged: if another
   * request stored the session meanwhile, the top-level keys this one
   * changed or deleted are applied to what is stored (compare-and-set).
   * Any other session replaces what is stored. A save of a session
   * destroyed less than 10 minutes ago is dropped, unless express-session
   * created it after that through this store. A lifetime that has already
   * ended deletes the session.
   *
   * @param sid The session id.
   * @param session The session data.
   * @param callback Optional node-style callback.
   */
  set(sid: string, session: SessionInput): Promise<void>;
  /** `set()` with a node-style callback; the returned promise never rejects. */
  set(sid: string, session: SessionInput, callback: Callback<void>): Promise<void>;
  set(sid: string, session: SessionInput, callback?: Callback<void>): Promise<void> {
    const work = this.#call("set", sid, () => this.#sessions.save(sid, session as SessionData));
    return settle(work, callback);
  }

  /**
   * Restarts the session's lifetime (the same rules as `set()`) without
   * rewriting its data: the key's expiry moves, and `get()` reports it as
   * `cookie.expires`. Never moves an expiry earlier (an expiry in the past
   * deletes the session). A no-op with `disableTouch` or `disableTTL`, for
   * a session that does not exist, and for a logout mark.
   *
   * @param sid The session id.
   * @param session The session, for its cookie.
   * @param callback Optional node-style callback.
   */
  touch(sid: string, session: SessionInput): Promise<void>;
  /** `touch()` with a node-style callback; the returned promise never rejects. */
  touch(sid: string, session: SessionInput, callback: Callback<void>): Promise<void>;
  touch(sid: string, session: SessionInput, callback?: Callback<void>): Promise<void> {
    const work = this.#call("touch", sid, () => this.#sessions.touch(sid, session as SessionData))
      .then(nothing);
    return settle(work, callback);
  }

  /**
   * Deletes the session. Once this has completed, a `set()` of the same id
   * from a request that was still running cannot bring it back for 10
   * minutes (the logout mark: an empty value in the session's own key,
   * which connect-valkey 1.0.x and connect-redis read as no session).
   *
   * @param sid The session id.
   * @param callback Optional node-style callback.
   */
  destroy(sid: string): Promise<void>;
  /** `destroy()` with a node-style callback; the returned promise never rejects. */
  destroy(sid: string, callback: Callback<void>): Promise<void>;
  destroy(sid: string, callback?: Callback<void>): Promise<void> {
    return settle(this.#call("destroy", sid, () => this.#sessions.destroy(sid)), callback);
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
    return this.#call("userSessions", undefined, async () => {
      return await this.#users("userSessions").sessions(this.#user("userSessions", userId));
    });
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
    return this.#call("destroyUserSessions", undefined, async () => {
      const user = this.#user("destroyUserSessions", userId);
      return await this.#users("destroyUserSessions").destroyAll(user, options);
    });
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
    return settle(this.#call("clear", undefined, () => this.#scan.clear()), callback);
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
    return settle(this.#call("length", undefined, () => this.#count()), callback);
  }

  async #count(): Promise<number> {
    let count = 0;
    for await (const ids of this.#scan.idPages()) count += ids.length;
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
    return settle(this.#call("ids", undefined, () => this.#ids()), callback);
  }

  async #ids(): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of this.#scan.idPages()) ids.push(...page);
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
    return settle(this.#call("all", undefined, () => this.#all()), callback);
  }

  async #all(): Promise<SessionWithId[]> {
    const sessions: SessionWithId[] = [];
    for await (const page of this.#scan.sessionPages()) sessions.push(...page);
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
  async *sessionPages(): AsyncGenerator<SessionWithId[]> {
    const pages = this.#scan.sessionPages();
    for (;;) {
      const next = await this.#call("sessionPages", undefined, () => pages.next());
      if (next.done) return;
      yield next.value;
    }
  }

  #users(operation: string): NonNullable<SessionRepository["users"]> {
    const users = this.#sessions.users;
    if (users === undefined) {
      throw new TypeError(
        `Cannot call ValkeyStore.${operation}(): the store was created without the "userId" option`,
      );
    }
    return users;
  }

  #user(operation: string, userId: string | number): string {
    this.#users(operation);
    const user = typeof userId === "string" || typeof userId === "number"
      ? normalizeUserId(userId)
      : undefined;
    if (user === undefined) {
      throw new TypeError(
        `Cannot call ValkeyStore.${operation}(): "userId" must be a non-empty string or a number, received ${
          JSON.stringify(userId) ?? String(userId)
        }`,
      );
    }
    return user;
  }

  /**
   * Remembers a session express-session created through this store: its
   * first save replaces whatever the key holds, a logout mark included.
   *
   * @param sid The new session's id.
   * @param session The new `req.session`.
   */
  protected override sessionGenerated(sid: string, session: object): void {
    this.#sessions.generated(sid, session);
  }

  /**
   * Moves what the store read for `data` to the `Session` express-session
   * built from it, so saving that session merges.
   *
   * @param data The data `get()` returned.
   * @param session The new `req.session`.
   */
  protected override sessionCreated(data: object, session: object): void {
    this.#sessions.created(data, session);
  }
}
