/**
 * The Valkey commands behind each store call. Reads and merges are plain
 * commands; a script is used only where a call must look at the key's type
 * first (a replace, a touch, a logout, the read of a key that is not a hash)
 * or keep a user index in step. Every script touches one key.
 *
 * Scripts are sent as EVALSHA (40 bytes instead of the script body, and no
 * hashing on the server); a server that does not know a script yet (after a
 * restart or failover) answers NOSCRIPT, and {@link withScriptBody} gives the
 * same command as EVAL, which also loads the script.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { LAYOUT_FIELD, LAYOUT_VALUE, USER_FIELD, userValue } from "./field_codec.ts";
import { MARK_MEMBER, MARK_TTL_MS } from "./logout_mark.ts";

interface Script {
  body: string;
  sha: string;
}

function script(body: string): Script {
  return { body, sha: createHash("sha1").update(body).digest("hex") };
}

// Writes a whole session (ARGV[3..]: field/value pairs) in place of what
// the key holds. A logout mark drops the write (and keeps the mark at least
// its full lifetime: a merge's PEXPIREAT may have shortened it), unless
// ARGV[1] is "fresh": a session created after the logout replaces the mark.
// Returns {written, the previous user field}.
const REPLACE = script(`local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
local previous = ''
if kind == 'set' and redis.call('SISMEMBER', key, '${MARK_MEMBER}') == 1 then
  if ARGV[1] ~= 'fresh' then
    redis.call('PEXPIRE', key, ${MARK_TTL_MS}, 'GT')
    return {0, ''}
  end
elseif kind == 'hash' then
  previous = redis.call('HGET', key, '${USER_FIELD}') or ''
elseif kind ~= 'none' and kind ~= 'string' then
  return redis.error_reply('WRONGTYPE the key holds a ' .. kind .. ', not a session')
end
if kind ~= 'none' then redis.call('DEL', key) end
for i = 3, #ARGV, 256 do
  redis.call('HSET', key, unpack(ARGV, i, math.min(i + 255, #ARGV)))
end
if ARGV[2] ~= '' then redis.call('PEXPIREAT', key, ARGV[2]) end
return {1, previous}`);

// Moves the expiry of a session (hash or 1.0.x string) to ARGV[1] and, for
// a hash, writes its cookie field (ARGV[3] = field, ARGV[4] = value). With
// ARGV[2] > 0 (touchAfter), skips a move of less than that. Creates
// nothing, and never touches a logout mark.
const TOUCH = script(`local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
if kind ~= 'hash' and kind ~= 'string' then return 0 end
local after = tonumber(ARGV[2])
if after > 0 then
  local current = redis.call('PEXPIRETIME', key)
  if current > 0 and tonumber(ARGV[1]) - current < after then return 0 end
end
if kind == 'hash' and ARGV[4] ~= '' then redis.call('HSET', key, ARGV[3], ARGV[4]) end
return redis.call('PEXPIREAT', key, ARGV[1])`);

// Replaces the session by a logout mark. With ARGV[1] set, only when the
// session's user field holds that. Returns {ended, the session's user field}.
const DESTROY = script(`local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
local user = ''
if kind == 'hash' then user = redis.call('HGET', key, '${USER_FIELD}') or '' end
if ARGV[1] ~= '' and user ~= ARGV[1] then return {0, user} end
redis.call('DEL', key)
redis.call('SADD', key, '${MARK_MEMBER}')
redis.call('PEXPIRE', key, ${MARK_TTL_MS})
return {1, user}`);

// Reads a key that is not a hash: a 1.0.x session (string), a logout mark,
// or something else. Returns {type, …}.
const READ_OTHER = script(`local key = KEYS[1]
local kind = redis.call('TYPE', key).ok
if kind == 'string' then return {kind, redis.call('GET', key), redis.call('PEXPIRETIME', key)} end
if kind == 'hash' then return {kind, redis.call('HVALS', key)} end
if kind == 'set' and redis.call('SISMEMBER', key, '${MARK_MEMBER}') == 1 then return {'mark'} end
return {kind}`);

// Rewrites a session hash as a 1.0.x string (ARGV[1]), expiring at ARGV[2].
const TO_V1 = script(`if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1])
else redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2]) end
return 1`);

// Adds session ARGV[1], expiring at ARGV[2] ('' for never), to a user
// index; drops entries expired before ARGV[3] (now); keeps the index key
// alive exactly as long as its longest-lived session.
const INDEX_ADD = script(`local index = KEYS[1]
if ARGV[2] == '' then
  redis.call('ZADD', index, 'inf', ARGV[1])
  return redis.call('PERSIST', index)
end
redis.call('ZADD', index, ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. ARGV[3])
local at = tonumber(ARGV[2])
local current = redis.call('PEXPIRETIME', index)
if current < at then redis.call('PEXPIREAT', index, ARGV[2]) end
return 1`);

const SCRIPTS_BY_SHA = new Map(
  [REPLACE, TOUCH, DESTROY, READ_OTHER, TO_V1, INDEX_ADD].map((s) => [s.sha, s.body]),
);

function evalsha(s: Script, key: string, args: string[]): string[] {
  return ["EVALSHA", s.sha, "1", key, ...args];
}

function expiryArg(expiresAt: number | undefined): string {
  return expiresAt === undefined ? "" : String(expiresAt);
}

/** Reads a session hash (its values carry their field names): one plain command. */
export function readCommand(key: string): string[] {
  return ["HVALS", key];
}

/** Reads a key that `HVALS` refused (a 1.0.x string, a logout mark…). */
export function readOtherCommand(key: string): string[] {
  return evalsha(READ_OTHER, key, []);
}

/**
 * A merge: writes the given fields (and the layout field) with one `HSET`,
 * which fails by type on a logout mark. Its reply counts the fields it
 * added: all of them (layout field included) means the key was missing.
 */
export function mergeWriteCommand(key: string, fields: string[], values: string[]): string[] {
  const args = ["HSET", key];
  for (let i = 0; i < fields.length; i++) args.push(fields[i]!, values[i]!);
  args.push(LAYOUT_FIELD, LAYOUT_VALUE);
  return args;
}

/** How many fields a session hash holds. */
export function lengthCommand(key: string): string[] {
  return ["HLEN", key];
}

/** The stored user field of a session hash. */
export function userFieldCommand(key: string): string[] {
  return ["HGET", key, USER_FIELD];
}

/** Removes a session's expiry (`disableTTL`). */
export function persistCommand(key: string): string[] {
  return ["PERSIST", key];
}

/** Deletes fields a request removed from the session. */
export function mergeDeleteCommand(key: string, fields: string[]): string[] {
  return ["HDEL", key, ...fields];
}

/** Sets the expiry of a merged session. */
export function expireAtCommand(key: string, expiresAt: number): string[] {
  return ["PEXPIREAT", key, String(expiresAt)];
}

/**
 * Replaces whatever the key holds by the session (fields/values), unless a
 * logout mark is there; `fresh` (a session created after the logout)
 * replaces the mark too. `userId` is stored in the session's user field.
 */
export function replaceCommand(
  key: string,
  fields: string[],
  values: string[],
  expiresAt: number | undefined,
  fresh: boolean,
  userId: string | undefined,
): string[] {
  const args = evalsha(REPLACE, key, [fresh ? "fresh" : "replace", expiryArg(expiresAt)]);
  for (let i = 0; i < fields.length; i++) args.push(fields[i]!, values[i]!);
  args.push(LAYOUT_FIELD, LAYOUT_VALUE);
  if (userId !== undefined) args.push(USER_FIELD, userValue(userId));
  return args;
}

/**
 * Moves a session's expiry (an expiry in the past deletes it) and writes
 * its cookie field when `cookieValue` is given; with `touchAfterMs` > 0,
 * only when that moves the expiry by at least that much.
 */
export function touchCommand(
  key: string,
  expiresAt: number,
  touchAfterMs: number,
  cookieField: string,
  cookieValue: string | undefined,
): string[] {
  return evalsha(TOUCH, key, [
    String(expiresAt),
    String(touchAfterMs),
    cookieField,
    cookieValue ?? "",
  ]);
}

/** Replaces the session by a logout mark; with `userId`, only a session of that user. */
export function destroyCommand(key: string, userId?: string): string[] {
  return evalsha(DESTROY, key, [userId === undefined ? "" : userValue(userId)]);
}

/** Rewrites a session hash as a 1.0.x string. */
export function toV1Command(key: string, text: string, expiresAt: number | undefined): string[] {
  return evalsha(TO_V1, key, [text, expiryArg(expiresAt)]);
}

/** Adds a session to its user's index (one command, whatever the index holds). */
export function indexAddCommand(
  indexKey: string,
  sessionId: string,
  expiresAt: number | undefined,
  now: number,
): string[] {
  return evalsha(INDEX_ADD, indexKey, [sessionId, expiryArg(expiresAt), String(now)]);
}

/** Removes sessions from a user's index. */
export function indexRemoveCommand(indexKey: string, sessionIds: string[]): string[] {
  return ["ZREM", indexKey, ...sessionIds];
}

/** The ids in a user's index that have not expired at `now`. */
export function indexReadCommand(indexKey: string, now: number): string[] {
  return ["ZRANGE", indexKey, String(now), "+inf", "BYSCORE"];
}

/** Deletes keys (`clear()`). */
export function deleteCommand(...keys: string[]): string[] {
  return ["DEL", ...keys];
}

/**
 * The EVAL form of an EVALSHA command, for a server that answered NOSCRIPT;
 * `undefined` for any other command.
 */
export function withScriptBody(args: string[]): string[] | undefined {
  const body = args[0] === "EVALSHA" ? SCRIPTS_BY_SHA.get(args[1]!) : undefined;
  return body === undefined ? undefined : ["EVAL", body, ...args.slice(2)];
}
