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
import { toStoreError } from "./errors.ts";
import {
  decodeFields,
  encodeFields,
  encodeValue,
  fieldOfKey,
  type HashReply,
  keyOfField,
  splitStoredValue,
  storedValue,
  USER_FIELD,
  userOfValue,
  userValue,
} from "./field_codec.ts";
import { prefixPattern, sessionKey, userIndexKey } from "./keys.ts";
import { scanKeyPages } from "./key_scan.ts";
import { decodeLegacy, readOtherReply } from "./legacy_session.ts";
import { isWrongType } from "./logout_mark.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SessionData,
  type SessionInput,
  type TtlOption,
  type ValkeyStoreOptions,
} from "./options.ts";
import { sendWithRetries } from "./retry_policy.ts";
import {
  deleteCommand,
  destroyCommand,
  expireAtCommand,
  indexAddCommand,
  indexReadCommand,
  indexRemoveCommand,
  mergeDeleteCommand,
  mergeWriteCommand,
  readCommand,
  readOtherCommand,
  replaceCommand,
  touchCommand,
  toV1Command,
} from "./scripts.ts";
import type { Serializer } from "./serializer.ts";
import { fieldMap, type Origin, planSave, SessionOrigins } from "./session_merge.ts";
import { sessionExpiresAt } from "./ttl.ts";
import { normalizeUserId, userIdOf } from "./user_index.ts";

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
 * Options of {@link ValkeyStore.destroyUserSessions}.
 *
 * @example Usage
 * ```ts
 * import type { DestroyUserSessionsOptions } from "@gjuchault/connect-valkey";
 *
 * const options: DestroyUserSessionsOptions = { except: "the-current-session-id" };
 * ```
 */
export interface DestroyUserSessionsOptions {
  /** Session ids to keep (the current device's, for "sign out other devices"). */
  except?: string | string[];
}

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
  readonly #origins = new SessionOrigins();

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
    const session = await this.#read(sid, "get", true);
    if (pending !== undefined) await pending;
    return session;
  }

  /** Reads one session (`null` when there is none); with `remember`, for a later merge. */
  async #read(sid: string, operation: string, remember: boolean): Promise<SessionData | null> {
    const key = sessionKey(this.prefix, sid);
    let reply: HashReply;
    try {
      reply = await this.#send(readCommand(key), operation, sid) as HashReply;
    } catch (error) {
      if (!isWrongType(error)) throw error;
      return await this.#readOther(key, sid, operation, remember);
    }
    if (reply.length === 0) return null;
    const session = await decodeFields(this.serializer, reply, operation, sid);
    if (remember) this.#origins.set(session, { sessionId: sid, reply });
    return session;
  }

  /** Reads a key that is not a hash: a 1.0.x session, a logout mark (`null`), or junk (an error). */
  async #readOther(
    key: string,
    sid: string,
    operation: string,
    remember: boolean,
  ): Promise<SessionData | null> {
    const read = readOtherReply(
      await this.#send(readOtherCommand(key), operation, sid),
      operation,
      sid,
    );
    if (read.kind === "none") return null;
    if (read.kind === "hash") {
      // Rewritten in the current layout since the first read.
      const session = await decodeFields(this.serializer, read.reply, operation, sid);
      if (remember) this.#origins.set(session, { sessionId: sid, reply: read.reply });
      return session;
    }
    const session = await decodeLegacy(this.serializer, read.text, read.expiresAt, operation, sid);
    if (remember) this.#origins.set(session, { sessionId: sid, legacy: true });
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
    return settle(this.#set(sid, session as SessionData), callback);
  }

  async #set(sid: string, session: SessionData): Promise<void> {
    const now = Date.now();
    const key = sessionKey(this.prefix, sid);
    const expiresAt = sessionExpiresAt(this.#options, session, "set", sid, now);
    if (expiresAt !== undefined && expiresAt <= now) {
      // An expiry in the past deletes a session, and never a logout mark.
      await this.#send(touchCommand(key, expiresAt, 0, "", undefined), "set", sid);
      return;
    }
    const encoded = encodeFields(this.serializer, session, "set", sid);
    const userId = userIdOf(this.#options, session, "set", sid);
    const origin = this.#origins.get(session, sid);
    const plan = planSave(loadedFields(origin), encoded);
    // Sent with the write, in the same pipeline.
    const indexed = userId === undefined
      ? undefined
      : this.#indexAdd(userId, sid, expiresAt, now, "set");
    indexed?.catch(() => {}); // awaited below; a failed write fails the call first
    if (plan.kind === "merge") {
      if (await this.#merge(key, sid, origin!, plan, userId, expiresAt)) {
        await indexed;
        return;
      }
    }
    const reply = await this.#send(
      replaceCommand(
        key,
        encoded.fields,
        encoded.values,
        expiresAt,
        plan.kind === "replace" && plan.fresh,
        userId,
      ),
      "set",
      sid,
    ) as [number, string];
    if (Number(reply[0]) === 1) {
      this.#origins.set(session, { sessionId: sid, fields: fieldMap(encoded), userId });
    }
    const previous = userOfValue(reply[1]);
    if (previous !== "" && previous !== userId) await this.#indexRemove(previous, sid, "set");
    await indexed;
  }

  /**
   * Writes what changed since the session was loaded. Resolves `false` when
   * the key turned out not to hold the session hash (a logout mark, a 1.0.x
   * string, or nothing): the caller then replaces it whole, which drops the
   * save for a mark.
   */
  async #merge(
    key: string,
    sid: string,
    origin: Origin,
    plan: { fields: string[]; values: string[]; deleted: string[] },
    userId: string | undefined,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    const { fields, values, deleted } = plan;
    if (userId !== origin.userId) {
      if (userId === undefined) deleted.push(USER_FIELD);
      else {
        fields.push(USER_FIELD);
        values.push(userValue(userId));
      }
    }
    const write = this.#send(mergeWriteCommand(key, fields, values), "set", sid);
    const others: Promise<unknown>[] = [];
    if (deleted.length > 0) others.push(this.#send(mergeDeleteCommand(key, deleted), "set", sid));
    if (expiresAt !== undefined) {
      others.push(this.#send(expireAtCommand(key, expiresAt), "set", sid));
    }
    let added: number;
    try {
      added = Number(await write);
    } catch (error) {
      // Their failure follows from the write's (the same key's type).
      for (const other of others) other.catch(() => {});
      if (isWrongType(error)) return false;
      throw error;
    }
    await Promise.all(others);
    // Every field new, the layout field included: the key had expired or been cleared.
    if (added === fields.length + 1) return false;
    const loaded = origin.fields!;
    for (let i = 0; i < fields.length; i++) loaded.set(fields[i]!, values[i]!);
    for (const field of deleted) loaded.delete(field);
    if (origin.userId !== undefined && origin.userId !== userId) {
      await this.#indexRemove(origin.userId, sid, "set");
    }
    origin.userId = userId;
    return true;
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
    return settle(this.#touch(sid, session as SessionData), callback);
  }

  async #touch(sid: string, session: SessionData): Promise<void> {
    if (this.disableTouch || this.disableTTL) return;
    const now = Date.now();
    const expiresAt = sessionExpiresAt(this.#options, session, "touch", sid, now)!;
    const cookie = session.cookie === undefined ? undefined : storedValue(
      fieldOfKey("cookie"),
      encodeValue(this.serializer, session.cookie, "cookie", "touch", sid),
    );
    const userId = userIdOf(this.#options, session, "touch", sid);
    const key = sessionKey(this.prefix, sid);
    await Promise.all([
      this.#send(
        touchCommand(key, expiresAt, this.#options.touchAfterMs, fieldOfKey("cookie"), cookie),
        "touch",
        sid,
      ),
      userId !== undefined && expiresAt > now
        ? this.#indexAdd(userId, sid, expiresAt, now, "touch")
        : undefined,
    ]);
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
    return settle(this.#destroy(sid, undefined, "destroy").then(() => {}), callback);
  }

  /** Replaces the session by a logout mark (only a session of `userId`, when given); true when ended. */
  async #destroy(sid: string, userId: string | undefined, operation: string): Promise<boolean> {
    const key = sessionKey(this.prefix, sid);
    const [ended, user] = await this.#send(destroyCommand(key, userId), operation, sid) as [
      number,
      string,
    ];
    const owner = userOfValue(user);
    if (userId === undefined && owner !== "") await this.#indexRemove(owner, sid, operation);
    return Number(ended) === 1;
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
  async userSessions(userId: string | number): Promise<SessionWithId[]> {
    const user = this.#requireUser(userId, "userSessions");
    const index = userIndexKey(this.prefix, user);
    const ids = await this.#send(indexReadCommand(index, Date.now()), "userSessions") as string[];
    const sessions = await Promise.all(
      ids.map((id) => this.#read(String(id), "userSessions", false)),
    );
    const found: SessionWithId[] = [];
    const stale: string[] = [];
    sessions.forEach((session, i) => {
      const id = String(ids[i]);
      const owner = session === null
        ? undefined
        : normalizeUserId(this.#options.userId!(session), "userSessions", id);
      if (owner === user) found.push(Object.assign(session!, { id }));
      else stale.push(id);
    });
    if (stale.length > 0) await this.#send(indexRemoveCommand(index, stale), "userSessions");
    return found;
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
  async destroyUserSessions(
    userId: string | number,
    options: DestroyUserSessionsOptions = {},
  ): Promise<number> {
    const user = this.#requireUser(userId, "destroyUserSessions");
    const except = new Set(
      options.except === undefined
        ? []
        : Array.isArray(options.except)
        ? options.except
        : [options.except],
    );
    const index = userIndexKey(this.prefix, user);
    const ids = (await this.#send(indexReadCommand(index, 0), "destroyUserSessions") as string[])
      .map(String).filter((id) => !except.has(id));
    const ended = await Promise.all(
      ids.map((id) => this.#destroy(id, user, "destroyUserSessions")),
    );
    if (ids.length > 0) await this.#send(indexRemoveCommand(index, ids), "destroyUserSessions");
    return ended.filter(Boolean).length;
  }

  #requireUser(userId: string | number, operation: string): string {
    if (this.#options.userId === undefined) {
      throw new TypeError(
        `Cannot call ValkeyStore.${operation}(): the store was created without the "userId" option`,
      );
    }
    const user = typeof userId === "string" || typeof userId === "number"
      ? normalizeUserId(userId, operation)
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

  #indexAdd(
    userId: string,
    sid: string,
    expiresAt: number | undefined,
    now: number,
    operation: string,
  ): Promise<unknown> {
    const index = userIndexKey(this.prefix, userId);
    return this.#send(indexAddCommand(index, sid, expiresAt, now), operation, sid);
  }

  #indexRemove(userId: string, sid: string, operation: string): Promise<unknown> {
    const index = userIndexKey(this.prefix, userId);
    return this.#send(indexRemoveCommand(index, [sid]), operation, sid);
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
      const sessions = await Promise.all(ids.map((id) => this.#read(id, operation, false)));
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
  async downgradeToV1(): Promise<number> {
    let rewritten = 0;
    const cut = this.prefix.length;
    for await (const keys of this.#keyPages("downgradeToV1", "hash")) {
      const done = await Promise.all(keys.map(async (key) => {
        const id = key.slice(cut);
        const [session, expiresAt] = await Promise.all([
          this.#read(id, "downgradeToV1", false),
          this.#send(["PEXPIRETIME", key], "downgradeToV1", id),
        ]);
        if (session === null) return 0;
        const text = encodeValue(this.serializer, session, "session", "downgradeToV1", id);
        const at = Number(expiresAt);
        const reply = await this.#send(
          toV1Command(key, text, at > 0 ? at : undefined),
          "downgradeToV1",
          id,
        );
        return Number(reply);
      }));
      rewritten += done.reduce((sum, n) => sum + n, 0);
    }
    for (const type of ["set", "zset"]) {
      for await (const keys of this.#keyPages("downgradeToV1", type)) {
        await Promise.all(keys.map((key) => this.#send(deleteCommand(key), "downgradeToV1")));
      }
    }
    return rewritten;
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
      });
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  protected override sessionGenerated(sid: string, session: object): void {
    this.#origins.set(session, { sessionId: sid, fresh: true });
  }

  protected override sessionCreated(data: object, session: object): void {
    this.#origins.move(data, session);
  }

  #send(args: string[], operation: string, sid?: string): Promise<GlideReturnType> {
    return sendWithRetries(this.#pipeline, this.#cluster, args, operation, sid);
  }
}

/** The loaded fields of an origin (built from the `HGETALL` reply on first use); `undefined` when not loaded. */
function loadedFields(origin: Origin | undefined): Origin | undefined {
  if (origin === undefined || origin.fields !== undefined || origin.reply === undefined) {
    return origin;
  }
  const fields = new Map<string, string>();
  for (const stored of origin.reply) {
    const [field, value] = splitStoredValue(String(stored))!;
    if (keyOfField(field) !== undefined) fields.set(field, String(stored));
    else if (field === USER_FIELD) origin.userId = value;
  }
  origin.fields = fields;
  origin.reply = undefined;
  return origin;
}
