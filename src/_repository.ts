/**
 * The session repository: get, save (merge), touch and destroy of one
 * session, on top of the connection layer and the storage format.
 *
 * Merges. `get()` remembers, per returned object, the text it read;
 * express-session's `createSession()` moves that to its `Session`. A save
 * of that object under the same id:
 *
 * - serializes to what was read, or moved only `cookie.expires`: only the
 *   key's expiry moves (a one-key script that leaves a logout mark alone);
 * - else: one compare-and-set writes it if the key still holds what was
 *   read. If another request stored something else meanwhile, this
 *   request's changed and deleted top-level keys are applied to that and
 *   the compare-and-set is tried again, up to {@link MAX_TRIES} times.
 *
 * Saves of one session from this process run one after the other, each
 * comparing against what the previous one wrote, so they never conflict
 * with each other: only other processes' writes cost a retry.
 *
 * A session express-session generated (`generate`, `regenerate`) is written
 * with a plain `SET`, lifting a logout mark. Any other object is created
 * with `SET … NX`, or replaces what is stored unless it is a logout mark.
 *
 * @module
 */
import type { Connection } from "./_connection/connection.ts";
import { StoreFailure } from "./_connection/failure.ts";
import {
  compareAndSetCommand,
  createCommand,
  decodeCompareAndSet,
  decodeSession,
  encodeSession,
  expireSessionCommand,
  extendCommand,
  markCommand,
  readCommands,
  replaceCommand,
  sessionKey,
  touchAfterCommand,
  writeCommand,
} from "./_format.ts";
import {
  applyDelta,
  diffSession,
  isEmptyDelta,
  onlyCookieExpiryChanged,
  type SessionDelta,
} from "./_session_delta.ts";
import { applyKeyExpiry, cookieExpiry, sessionExpiresAt } from "./_ttl.ts";
import { moveOrigin, type Origin, originOf, setOrigin } from "./_session_origin.ts";
import { UserIndex } from "./_user_index.ts";
import type { ResolvedOptions, SessionData } from "./options.ts";

/** Compare-and-set tries of one save before it fails with `CONFLICT`. */
export const MAX_TRIES = 8;

/** Reads and writes sessions. */
export class SessionRepository {
  readonly #connection: Connection;
  readonly #options: ResolvedOptions;
  /** Saves in progress per session id: the last one's promise and what it stored. */
  readonly #saving = new Map<string, { done: Promise<void>; stored?: string }>();
  /** The user index (`userSessions()`); `undefined` without the `userId` option. */
  readonly users: UserIndex | undefined;

  constructor(connection: Connection, options: ResolvedOptions) {
    this.#connection = connection;
    this.#options = options;
    this.users = options.userId === undefined
      ? undefined
      : new UserIndex(connection, options, this);
  }

  /**
   * The session stored under `sid`, or `null` (none, or a logout mark). With
   * `remember`, a later save of the returned object merges.
   */
  async get(sid: string, remember: boolean): Promise<SessionData | null> {
    const { prefix, disableTTL, serializer, ttl } = this.#options;
    const [text, expiry] = await this.#connection.sendTogether(
      readCommands(sessionKey(prefix, sid), !disableTTL),
    );
    if (text === null || text === undefined) return null;
    const stored = String(text);
    const decoded = decodeSession(serializer, stored);
    const session = decoded instanceof Promise ? await decoded : decoded;
    const expiresAt = expiry === undefined ? undefined : Number(expiry);
    if (session === null) return null;
    if (expiresAt !== undefined && expiresAt > 0 && typeof ttl !== "function") {
      applyKeyExpiry(session, expiresAt);
    }
    if (remember) {
      setOrigin(session, { sessionId: sid, seen: stored, stored, expiresAt });
    }
    return session;
  }

  /** Stores `session`: a merge for an object this store loaded, else a create or replace. */
  async save(sid: string, session: SessionData): Promise<void> {
    const { prefix, serializer } = this.#options;
    const now = Date.now();
    const key = sessionKey(prefix, sid);
    const expiresAt = sessionExpiresAt(this.#options, session, now);
    if (expiresAt !== undefined && expiresAt <= now) {
      // An expiry in the past deletes the session, and never a logout mark.
      await this.#connection.send(expireSessionCommand(key, expiresAt));
      return;
    }
    const text = encodeSession(serializer, session);
    const user = this.users?.userOf(session);
    const origin = originOf(session, sid);
    if (origin?.stored !== undefined && origin.seen !== undefined) {
      await this.#chained(
        sid,
        (previous) => this.#merge(key, sid, session, text, origin, previous, expiresAt, user),
      );
      return;
    }
    const fresh = origin?.fresh === true;
    const write = fresh ? writeCommand(key, text, expiresAt) : createCommand(key, text, expiresAt);
    const indexed = this.users?.addCommands(user, sid, expiresAt, now) ?? [];
    const [reply] = indexed.length === 0
      ? [await this.#connection.send(write)]
      : await this.#connection.sendTogether([write, ...indexed]);
    let written = fresh || reply !== null;
    if (!written) {
      // The key holds something: a session (replaced) or a logout mark (kept).
      written = Number(await this.#connection.send(replaceCommand(key, text, expiresAt))) === 1;
    }
    if (written) {
      setOrigin(session, { sessionId: sid, seen: text, stored: text, expiresAt });
    }
  }

  /** Moves the session's expiry; creates nothing, never changes a logout mark. */
  touch(sid: string, session: SessionData): Promise<unknown> {
    const { prefix, disableTouch, disableTTL, touchAfterMs } = this.#options;
    if (disableTouch || disableTTL) return Promise.resolve();
    const now = Date.now();
    const expiresAt = sessionExpiresAt(this.#options, session, now)!;
    const key = sessionKey(prefix, sid);
    const origin = originOf(session, sid);
    const known = origin?.expiresAt;
    if (touchAfterMs > 0 && known !== undefined && known > 0 && expiresAt - known < touchAfterMs) {
      return Promise.resolve();
    }
    const command = expiresAt <= now
      ? expireSessionCommand(key, expiresAt)
      : touchAfterMs > 0 && known === undefined
      ? touchAfterCommand(key, expiresAt, touchAfterMs)
      : extendCommand(key, expiresAt);
    let sent: Promise<unknown>;
    if (this.users === undefined) sent = this.#connection.send(command);
    else {
      const user = expiresAt > now ? this.users.userOf(session) : undefined;
      const indexed = this.users.addCommands(user, sid, expiresAt, now);
      sent = this.#connection.sendTogether([command, ...indexed]);
    }
    return origin === undefined ? sent : sent.then(() => (origin.expiresAt = expiresAt));
  }

  /** Replaces the session by a logout mark, and takes it out of its user's index. */
  async destroy(sid: string): Promise<void> {
    const key = sessionKey(this.#options.prefix, sid);
    const previous = await this.#connection.send(markCommand(key, this.users !== undefined));
    if (this.users !== undefined && typeof previous === "string" && previous !== "") {
      await this.users.forget(previous, sid);
    }
  }

  /** Remembers a session express-session created through the store. */
  generated(sid: string, session: object): void {
    setOrigin(session, { sessionId: sid, fresh: true });
  }

  /** Moves what is known of `data` to the `Session` express-session built from it. */
  created(data: object, session: object): void {
    moveOrigin(data, session);
  }

  /**
   * Runs `save` after this process's saves of `sid` still in progress; it
   * gets what the previous one stored, if one was in progress.
   */
  async #chained(
    sid: string,
    save: (previous: string | undefined) => Promise<string | undefined>,
  ): Promise<void> {
    const before = this.#saving.get(sid);
    const entry: { done: Promise<void>; stored?: string } = { done: Promise.resolve() };
    entry.done = (async () => {
      if (before !== undefined) await before.done.catch(() => {});
      entry.stored = await save(before?.stored);
    })();
    this.#saving.set(sid, entry);
    try {
      await entry.done;
    } finally {
      if (this.#saving.get(sid) === entry) this.#saving.delete(sid);
    }
  }

  /** The merge of a loaded session; resolves with what Valkey holds after it. */
  async #merge(
    key: string,
    sid: string,
    session: SessionData,
    text: string,
    origin: Origin,
    previous: string | undefined,
    expiresAt: number | undefined,
    user: string | undefined,
  ): Promise<string | undefined> {
    const { serializer } = this.#options;
    const now = Date.now();
    let expected = previous ?? origin.stored!;
    const loaded = text === origin.seen ? undefined : await this.#parse(origin.seen!) ?? {};
    const delta: SessionDelta = loaded === undefined
      ? { changed: [], deleted: [] }
      : diffSession(loaded, session, (value) => serializer.stringify(value));
    const previousUser = loaded === undefined ? user : this.users?.userOf(loaded);
    const indexed = this.users?.addCommands(user, sid, expiresAt, now) ?? [];
    if (isEmptyDelta(delta) || this.#expiryCarries(delta, loaded, session, expiresAt)) {
      // Nothing changed but the expiry: only it moves, and never a logout mark's
      // (a late save must neither lengthen nor shorten a mark).
      const commands = expiresAt === undefined
        ? indexed
        : [expireSessionCommand(key, expiresAt), ...indexed];
      if (commands.length > 0) await this.#connection.sendTogether(commands);
      origin.expiresAt = expiresAt ?? origin.expiresAt;
      return expected;
    }
    let next = expected === origin.stored ? text : await this.#rebase(expected, delta, session);
    for (let tries = 1;; tries++) {
      const [reply] = await this.#connection.sendTogether([
        compareAndSetCommand(key, expected, next, expiresAt),
        ...indexed,
      ]);
      const result = decodeCompareAndSet(reply);
      if (result.kind === "marked") return undefined; // destroyed: the save is dropped
      if (result.kind === "written") break;
      if (tries === MAX_TRIES) {
        throw new StoreFailure(
          "CONFLICT",
          `other writers changed the session before each of ${MAX_TRIES} compare-and-set tries`,
        );
      }
      expected = result.current;
      next = await this.#rebase(expected, delta, session);
    }
    Object.assign(origin, { seen: text, stored: next, expiresAt });
    if (previousUser !== undefined && previousUser !== user) {
      await this.users?.remove(previousUser, [sid]);
    }
    return next;
  }

  /**
   * True when the save changed only `cookie.expires` and the key's expiry is
   * that same time: moving the key's expiry then says it all (`get()`
   * reports the key's expiry as `cookie.expires`).
   */
  #expiryCarries(
    delta: SessionDelta,
    loaded: SessionData | undefined,
    session: SessionData,
    expiresAt: number | undefined,
  ): boolean {
    const { ttl, serializer } = this.#options;
    return loaded !== undefined && expiresAt !== undefined && typeof ttl !== "function" &&
      cookieExpiry(session) === expiresAt &&
      onlyCookieExpiryChanged(delta, loaded, session, (value) => serializer.stringify(value));
  }

  /** `current` (stored text) with this request's delta applied, serialized. */
  async #rebase(current: string, delta: SessionDelta, session: SessionData): Promise<string> {
    const base = await this.#parse(current) ?? {};
    return encodeSession(this.#options.serializer, applyDelta(base, delta, session));
  }

  async #parse(text: string): Promise<SessionData | null> {
    return await decodeSession(this.#options.serializer, text);
  }
}
