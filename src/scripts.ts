/**
 * The Valkey commands behind each store call: plain commands where they
 * suffice, a small Lua script where a call must be atomic (a write that
 * must not undo a logout). Every key a script touches lives in the same
 * cluster slot: see `destroyedMarkerKey`.
 *
 * Scripts are sent as EVALSHA (40 bytes instead of the script body, and no
 * hashing on the server); a server that does not know a script yet (after a
 * restart or failover) answers NOSCRIPT, and {@link withScriptBody} gives the
 * same command as EVAL, which also loads the script.
 *
 * @module
 */
import { createHash } from "node:crypto";

interface Script {
  body: string;
  sha: string;
}

function script(body: string): Script {
  return { body, sha: createHash("sha1").update(body).digest("hex") };
}

/** How long the "destroyed" marker of a logout blocks late writes: 10 minutes. */
export const DESTROYED_MARKER_TTL_MS = 600_000;

// Refuses to write a session whose logout marker exists (returns 0).
const SET_SCRIPT = script(`if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1])
else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`);

// Marks the session destroyed, then deletes it.
const DESTROY_SCRIPT = script(`redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return redis.call('DEL', KEYS[1])`);

// Skips the refresh when it would push the expiry back by less than ARGV[2] ms.
const TOUCH_AFTER_SCRIPT = script(`local left = redis.call('PTTL', KEYS[1])
if left < 0 then return 0 end
if tonumber(ARGV[1]) - left < tonumber(ARGV[2]) then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[1])`);

/**
 * Reads a session: its value, and its PTTL so `get()` can report the
 * refreshed `cookie.expires` after a touch. Two plain commands, sent
 * together in one pipeline: measured faster than one Lua script doing both.
 */
export function readCommands(key: string): [string[], string[]] {
  return [["GET", key], ["PTTL", key]];
}

/** Writes `value` unless the session was destroyed; `ttlMs` undefined means no expiry. */
export function setCommand(
  key: string,
  markerKey: string,
  value: string,
  ttlMs: number | undefined,
): string[] {
  return [
    "EVALSHA",
    SET_SCRIPT.sha,
    "2",
    key,
    markerKey,
    value,
    ttlMs === undefined ? "" : String(ttlMs),
  ];
}

/** Deletes the session and blocks late writes to it for {@link DESTROYED_MARKER_TTL_MS}. */
export function destroyCommand(key: string, markerKey: string): string[] {
  return ["EVALSHA", DESTROY_SCRIPT.sha, "2", key, markerKey, String(DESTROYED_MARKER_TTL_MS)];
}

/** Refreshes the expiry; with `touchAfterMs` > 0, only when the last refresh is older than that. */
export function touchCommand(key: string, ttlMs: number, touchAfterMs: number): string[] {
  if (touchAfterMs <= 0) return ["PEXPIRE", key, String(ttlMs)];
  return ["EVALSHA", TOUCH_AFTER_SCRIPT.sha, "1", key, String(ttlMs), String(touchAfterMs)];
}

/** Deletes a key (an expired session, or `clear()`). */
export function deleteCommand(key: string): string[] {
  return ["DEL", key];
}

const SCRIPTS_BY_SHA = new Map(
  [SET_SCRIPT, DESTROY_SCRIPT, TOUCH_AFTER_SCRIPT].map((s) => [s.sha, s.body]),
);

/**
 * The EVAL form of an EVALSHA command, for a server that answered NOSCRIPT;
 * `undefined` for any other command.
 */
export function withScriptBody(args: string[]): string[] | undefined {
  const body = args[0] === "EVALSHA" ? SCRIPTS_BY_SHA.get(args[1]!) : undefined;
  return body === undefined ? undefined : ["EVAL", body, ...args.slice(2)];
}
