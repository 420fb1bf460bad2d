/**
 * What the store keeps in Valkey, and the commands that read and write it.
 * This is the file to read to learn the storage format.
 *
 * - A session is one string at `prefix + id`: the serializer's output for
 *   the whole session, expiring when the session does (`PXAT`). This is
 *   what connect-valkey 1.0.x and connect-redis store, so each reads what
 *   the other writes, both ways, during a rolling deploy.
 * - A logout mark is the empty string at the session's key, for
 *   {@link MARK_TTL_MS}. 1.0.x and connect-redis read an empty value as
 *   "no session" without calling the serializer; this store reads it so
 *   too, and its writes never replace it except with a session
 *   express-session created after the logout.
 * - With the `userId` option, a user's index is a sorted set at
 *   `prefix + "user-index:" + userId`: session ids scored by their expiry.
 *
 * Hot-path commands are plain (`GET`+`PEXPIRETIME`, `SET … PXAT`,
 * `SET … NX PXAT`, `PEXPIREAT … GT`). Scripts run only where a write must
 * look at what is stored first: a compare-and-set merge, a save that moved
 * only the expiry, a replace of a session the store did not load, and the
 * user index.
 *
 * @module
 */
import { StoreFailure } from "./_connection/failure.ts";
import { Script } from "./_connection/script.ts";
import type { SessionData } from "./options.ts";
import type { Serializer } from "./serializer.ts";

/** The value of a logout mark: read as "no session" by every store that shares the format. */
export const LOGOUT_MARK = "";

/** How long a logout mark blocks late saves of the same id: 10 minutes. */
export const MARK_TTL_MS = 600_000;

/** The Valkey key of a session. */
export function sessionKey(prefix: string, sessionId: string): string {
  return prefix + sessionId;
}

/**
 * A SCAN MATCH pattern for every key that starts with `prefix`: the glob
 * characters `* ? [ ] \` of the prefix are escaped, so a prefix such as
 * `"a*:"` never matches another prefix's keys.
 */
export function prefixPattern(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, "\\$&") + "*";
}

/** The key of a user's session index: under the prefix, a sorted set (scans for strings skip it). */
export function userIndexKey(prefix: string, userId: string): string {
  return `${prefix}user-index:${userId}`;
}

function expiryArgs(expiresAt: number | undefined): string[] {
  return expiresAt === undefined ? [] : ["PXAT", String(expiresAt)];
}

/** A script's expiry argument: epoch ms, or '' for none. */
function scriptExpiry(expiresAt: number | undefined): string {
  return expiresAt === undefined ? "" : String(expiresAt);
}

// Replaces the session unless the key holds a logout mark (ARGV[1]: the
// session, ARGV[2]: its expiry or ''). STRLEN first: it is 0 only for a
// mark or a missing key, so a session is never copied into Lua.
const REPLACE = new Script(`local key = KEYS[1]
if redis.call('STRLEN', key) == 0 and redis.call('EXISTS', key) == 1 then return 0 end
if ARGV[2] == '' then redis.call('SET', key, ARGV[1])
else redis.call('SET', key, ARGV[1], 'PXAT', ARGV[2]) end
return 1`);

// Compare-and-set: writes ARGV[2] (expiring at ARGV[3], or never for '')
// when the key still holds ARGV[1], or holds nothing (the session expired
// meanwhile). Returns 1 when written, 0 for a logout mark (nothing
// written), else what the key holds now, for the caller to merge onto.
const COMPARE_AND_SET = new Script(`local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or current == false then
  if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2])
  else redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3]) end
  return 1
end
if current == '' then return 0 end
return current`);

// Moves a session's expiry to ARGV[1] (a time in the past deletes it),
// never a mark's; with ARGV[2] > 0 (touchAfter, for a session the store did
// not load), only when that moves it by at least ARGV[2] ms.
const TOUCH_AFTER = new Script(`local key = KEYS[1]
if redis.call('STRLEN', key) == 0 then return 0 end
local after = tonumber(ARGV[2])
if after > 0 then
  local current = redis.call('PEXPIRETIME', key)
  if current > 0 and tonumber(ARGV[1]) - current < after then return 0 end
end
return redis.call('PEXPIREAT', key, ARGV[1])`);

// Adds session ARGV[1], expiring at ARGV[2] ('' for never), to a user
// index; drops entries expired before ARGV[3] (now); keeps the index key
// alive exactly as long as its longest-lived session.
const INDEX_ADD = new Script(`local index = KEYS[1]
if ARGV[2] == '' then
  redis.call('ZADD', index, 'inf', ARGV[1])
  return redis.call('PERSIST', index)
end
redis.call('ZADD', index, ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. ARGV[3])
local at = tonumber(ARGV[2])
if redis.call('PEXPIRETIME', index) < at then redis.call('PEXPIREAT', index, ARGV[2]) end
return 1`);

/** Reads a stored value (a session, a logout mark, or nothing). */
export function valueCommand(key: string): string[] {
  return ["GET", key];
}

/** The commands of a read: the value, and (unless `disableTTL`) the key's expiry. */
export function readCommands(key: string, withExpiry: boolean): string[][] {
  return withExpiry ? [valueCommand(key), ["PEXPIRETIME", key]] : [valueCommand(key)];
}

/** Writes a session whatever the key holds (a session express-session created: lifts a mark). */
export function writeCommand(key: string, text: string, expiresAt: number | undefined): string[] {
  return ["SET", key, text, ...expiryArgs(expiresAt)];
}

/** Writes a session only when the key holds nothing; replies `null` otherwise. */
export function createCommand(key: string, text: string, expiresAt: number | undefined): string[] {
  return ["SET", key, text, "NX", ...expiryArgs(expiresAt)];
}

/** Replaces a session unless a logout mark is there; replies 1 when written. */
export function replaceCommand(key: string, text: string, expiresAt: number | undefined): string[] {
  return REPLACE.command(key, [text, scriptExpiry(expiresAt)]);
}

/** Writes `text` if the key still holds `expected`; see {@link decodeCompareAndSet}. */
export function compareAndSetCommand(
  key: string,
  expected: string,
  text: string,
  expiresAt: number | undefined,
): string[] {
  return COMPARE_AND_SET.command(key, [expected, text, scriptExpiry(expiresAt)]);
}

/** What a compare-and-set did. */
export type CompareAndSetResult =
  | { kind: "written" }
  | { kind: "marked" }
  | { kind: "conflict"; current: string };

/** Reads the reply of {@link compareAndSetCommand}. */
export function decodeCompareAndSet(reply: unknown): CompareAndSetResult {
  if (typeof reply === "number" || typeof reply === "bigint") {
    return Number(reply) === 1 ? { kind: "written" } : { kind: "marked" };
  }
  return { kind: "conflict", current: String(reply) };
}

/**
 * Moves a session's expiry later (`GT`: never earlier, so a late touch never
 * shortens a logout mark); creates nothing.
 */
export function extendCommand(key: string, expiresAt: number): string[] {
  return ["PEXPIREAT", key, String(expiresAt), "GT"];
}

/**
 * Moves a session's expiry unless that moves it by less than `touchAfterMs`
 * (checked in Valkey); never a mark's. A time in the past deletes the
 * session, and never a mark.
 */
export function touchAfterCommand(key: string, expiresAt: number, touchAfterMs: number): string[] {
  return TOUCH_AFTER.command(key, [String(expiresAt), String(touchAfterMs)]);
}

/**
 * Sets a session's expiry to `expiresAt`, earlier or later, and never a
 * mark's: a save that changed nothing but the expiry. A time in the past
 * deletes the session.
 */
export function expireSessionCommand(key: string, expiresAt: number): string[] {
  return TOUCH_AFTER.command(key, [String(expiresAt), "0"]);
}

/** Replaces the session by a logout mark; with `returnOld`, replies with what it held. */
export function markCommand(key: string, returnOld: boolean): string[] {
  const args = ["SET", key, LOGOUT_MARK, "PX", String(MARK_TTL_MS)];
  if (returnOld) args.push("GET");
  return args;
}

/** Replaces the session by a logout mark only if it still holds `expected`. */
export function markIfCommand(key: string, expected: string, now: number): string[] {
  return compareAndSetCommand(key, expected, LOGOUT_MARK, now + MARK_TTL_MS);
}

/** The length of each key's value: 0 for a logout mark, never 0 for a session. */
export function lengthCommand(key: string): string[] {
  return ["STRLEN", key];
}

/** Deletes keys. */
export function deleteCommand(keys: string[]): string[] {
  return ["DEL", ...keys];
}

/** Adds a session to its user's index with its expiry: one command. */
export function indexAddCommand(
  indexKey: string,
  sessionId: string,
  expiresAt: number | undefined,
  now: number,
): string[] {
  return INDEX_ADD.command(indexKey, [sessionId, scriptExpiry(expiresAt), String(now)]);
}

/** Removes sessions from a user's index. */
export function indexRemoveCommand(indexKey: string, sessionIds: string[]): string[] {
  return ["ZREM", indexKey, ...sessionIds];
}

/** The ids in a user's index that have not expired at `now`. */
export function indexReadCommand(indexKey: string, now: number): string[] {
  return ["ZRANGE", indexKey, String(now), "+inf", "BYSCORE"];
}

/** A session as stored: the serializer's output; fails with `INVALID_SESSION`. */
export function encodeSession(serializer: Serializer, session: unknown): string {
  let text: unknown;
  try {
    text = serializer.stringify(session);
  } catch (error) {
    throw new StoreFailure(
      "INVALID_SESSION",
      `the session could not be serialized (${reason(error)})`,
      error,
    );
  }
  if (typeof text !== "string" || text === LOGOUT_MARK) {
    throw new StoreFailure(
      "INVALID_SESSION",
      `the serializer's stringify must return a non-empty string, returned ${
        text === LOGOUT_MARK ? "an empty string" : typeof text
      }`,
    );
  }
  return text;
}

/**
 * A stored value read back: `null` for a logout mark (or a stored `null`),
 * the session object otherwise; anything that does not parse to an object
 * fails with `CORRUPT_SESSION`. A promise only when the serializer's
 * `parse` returns one (the common case costs no extra turn).
 */
export function decodeSession(
  serializer: Serializer,
  text: string,
  sessionId?: string,
): SessionData | null | Promise<SessionData | null> {
  if (text === LOGOUT_MARK) return null;
  let value: unknown;
  try {
    value = serializer.parse(text);
  } catch (error) {
    throw unparsable(error, sessionId);
  }
  if (value instanceof Promise) {
    return value.then(
      (parsed) => asSession(parsed, sessionId),
      (error) => Promise.reject(unparsable(error, sessionId)),
    );
  }
  return asSession(value, sessionId);
}

function unparsable(error: unknown, sessionId: string | undefined): StoreFailure {
  return new StoreFailure(
    "CORRUPT_SESSION",
    `the stored value${about(sessionId)} could not be parsed (${reason(error)})`,
    error,
    sessionId,
  );
}

function asSession(value: unknown, sessionId: string | undefined): SessionData | null {
  if (value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new StoreFailure(
      "CORRUPT_SESSION",
      `the stored value${about(sessionId)} is not a session object (it is ${
        Array.isArray(value) ? "an array" : typeof value
      })`,
      undefined,
      sessionId,
    );
  }
  return value as SessionData;
}

function about(sessionId: string | undefined): string {
  return sessionId === undefined ? "" : ` of session ${JSON.stringify(sessionId)}`;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
