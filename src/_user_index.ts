/**
 * The user index behind `userSessions()` and `destroyUserSessions()`, as
 * Spring Session's index by principal name: with the `userId` option, each
 * user has a sorted set under the store's prefix whose members are the
 * user's session ids, scored by when each one expires.
 *
 * - A write or touch of a session with a user adds one command, sent with
 *   it: a script that adds the id with its expiry, drops expired ids, and
 *   keeps the index key alive exactly as long as its longest-lived session.
 * - A logout reads the session it replaced (`SET … GET`) to learn its user;
 *   a merge that changes the user takes the id out of the old user's index.
 * - The index is a hint, checked on every read: `userSessions()` returns a
 *   session only when it still belongs to the user, and
 *   `destroyUserSessions()` ends one only if it is still what was read.
 *
 * @module
 */
import type { Connection } from "./_connection/connection.ts";
import { StoreFailure } from "./_connection/failure.ts";
import {
  decodeCompareAndSet,
  decodeSession,
  indexAddCommand,
  indexReadCommand,
  indexRemoveCommand,
  markIfCommand,
  sessionKey,
  userIndexKey,
  valueCommand,
} from "./_format.ts";
import type { ResolvedOptions, SessionData, UserIdOption } from "./options.ts";
import type { SessionWithId } from "./session_with_id.ts";

/** Options of `ValkeyStore.destroyUserSessions()`.
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

/** Reads sessions for the index (the repository's `get`). */
interface SessionReader {
  get(sid: string, remember: boolean): Promise<SessionData | null>;
}

/** Tries of ending one session whose value keeps changing under `destroyUserSessions()`. */
const MAX_END_TRIES = 8;

/** A user id as stored: a non-empty string; numbers become strings; `null`/`undefined`/"" are no user. */
export function normalizeUserId(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new StoreFailure(
    "INVALID_SESSION",
    `the userId function must return a string, a number, undefined or null, returned ${
      typeof value === "number" ? String(value) : typeof value
    }`,
  );
}

/** The index of each user's sessions. */
export class UserIndex {
  readonly #connection: Connection;
  readonly #prefix: string;
  readonly #userId: UserIdOption;
  readonly #serializer: ResolvedOptions["serializer"];
  readonly #reader: SessionReader;

  constructor(connection: Connection, options: ResolvedOptions, reader: SessionReader) {
    this.#connection = connection;
    this.#prefix = options.prefix;
    this.#userId = options.userId!;
    this.#serializer = options.serializer;
    this.#reader = reader;
  }

  /** The user of a session, as stored in the index. */
  userOf(session: SessionData): string | undefined {
    return normalizeUserId(this.#userId(session));
  }

  /** The command that adds a session to its user's index; none without a user. */
  addCommands(
    user: string | undefined,
    sid: string,
    expiresAt: number | undefined,
    now: number,
  ): string[][] {
    if (user === undefined) return [];
    return [indexAddCommand(userIndexKey(this.#prefix, user), sid, expiresAt, now)];
  }

  /** Takes sessions out of a user's index. */
  async remove(user: string, sids: string[]): Promise<void> {
    await this.#connection.send(indexRemoveCommand(userIndexKey(this.#prefix, user), sids));
  }

  /** Takes a session that was just replaced by a logout mark out of its user's index. */
  async forget(previousText: string, sid: string): Promise<void> {
    let user: string | undefined;
    try {
      const previous = await decodeSession(this.#serializer, previousText);
      user = previous === null ? undefined : this.userOf(previous);
    } catch {
      return; // a corrupt session had no readable user: nothing to take out
    }
    if (user !== undefined) await this.remove(user, [sid]);
  }

  /** The live sessions of a user; entries that no longer belong to it are dropped. */
  async sessions(user: string): Promise<SessionWithId[]> {
    const index = userIndexKey(this.#prefix, user);
    const ids = (await this.#connection.send(indexReadCommand(index, Date.now())) as unknown[])
      .map(String);
    // One failed read (a shard that is down) fails the call: never a partial answer.
    const sessions = await Promise.all(ids.map((id) => this.#reader.get(id, false)));
    const found: SessionWithId[] = [];
    const stale: string[] = [];
    sessions.forEach((session, i) => {
      const id = ids[i]!;
      if (session !== null && this.userOf(session) === user) {
        found.push(Object.assign(session, { id }));
      } else stale.push(id);
    });
    if (stale.length > 0) await this.remove(user, stale);
    return found;
  }

  /** Ends every session of a user but those in `except`; resolves with how many it ended. */
  async destroyAll(user: string, options: DestroyUserSessionsOptions): Promise<number> {
    const except = new Set([options.except ?? []].flat());
    const index = userIndexKey(this.#prefix, user);
    const listed = await this.#connection.send(indexReadCommand(index, 0)) as unknown[];
    const ids = listed.map(String).filter((id) => !except.has(id));
    const ended = await Promise.all(ids.map((id) => this.#end(user, id)));
    if (ids.length > 0) await this.remove(user, ids);
    return ended.filter(Boolean).length;
  }

  /** Replaces a session by a logout mark if it belongs to `user`, as `destroy()` would. */
  async #end(user: string, sid: string): Promise<boolean> {
    const key = sessionKey(this.#prefix, sid);
    for (let tries = 0; tries < MAX_END_TRIES; tries++) {
      const text = await this.#connection.send(valueCommand(key));
      if (typeof text !== "string" || text === "") return false;
      let session: SessionData | null;
      try {
        session = await decodeSession(this.#serializer, text, sid);
      } catch {
        return false; // not a session of this user that we can read
      }
      if (session === null || this.userOf(session) !== user) return false;
      const reply = await this.#connection.send(markIfCommand(key, text, Date.now()));
      if (decodeCompareAndSet(reply).kind !== "conflict") return true;
    }
    throw new StoreFailure(
      "CONFLICT",
      `session ${JSON.stringify(sid)} kept changing while it was being ended`,
    );
  }
}
