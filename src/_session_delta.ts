/**
 * What a request changed in its session, by top-level key, so a save can
 * re-apply just that onto what another request stored meanwhile (Spring
 * Session's "delta"). Pure functions: no Valkey here.
 *
 * @module
 */
import type { SessionData } from "./options.ts";

/** The top-level keys a request changed (or added) and deleted. */
export interface SessionDelta {
  changed: string[];
  deleted: string[];
}

/**
 * The keys whose values differ between `before` (as loaded) and `after`
 * (as saved), each value compared by `stringify` (the store's serializer),
 * and the keys `after` no longer has.
 */
export function diffSession(
  before: SessionData,
  after: SessionData,
  stringify: (value: unknown) => string,
): SessionDelta {
  const changed: string[] = [];
  for (const key of Object.keys(after)) {
    if (!Object.hasOwn(before, key) || stringify(before[key]) !== stringify(after[key])) {
      changed.push(key);
    }
  }
  const deleted = Object.keys(before).filter((key) => !Object.hasOwn(after, key));
  return { changed, deleted };
}

/** `current` with the delta's keys set to `session`'s values and its deleted keys removed. */
export function applyDelta(
  current: SessionData,
  delta: SessionDelta,
  session: SessionData,
): SessionData {
  for (const key of delta.changed) current[key] = session[key];
  for (const key of delta.deleted) delete current[key];
  return current;
}

/** True when the delta changes nothing. */
export function isEmptyDelta(delta: SessionDelta): boolean {
  return delta.changed.length === 0 && delta.deleted.length === 0;
}

/**
 * True when the delta is the cookie alone and the cookie changed only its
 * `expires` (express-session moves it on every request): the key's expiry
 * then carries the change, and `get()` reports it as `cookie.expires`.
 */
export function onlyCookieExpiryChanged(
  delta: SessionDelta,
  before: SessionData,
  after: SessionData,
  stringify: (value: unknown) => string,
): boolean {
  if (delta.deleted.length > 0 || delta.changed.length !== 1 || delta.changed[0] !== "cookie") {
    return false;
  }
  return stringify(withoutExpires(before.cookie)) === stringify(withoutExpires(after.cookie));
}

function withoutExpires(cookie: unknown): unknown {
  if (typeof cookie !== "object" || cookie === null) return cookie;
  // express-session's Cookie serializes through toJSON; a plain object is itself.
  const json = (cookie as { toJSON?: () => unknown }).toJSON;
  const plain = typeof json === "function" ? json.call(cookie) : cookie;
  return { ...(plain as Record<string, unknown>), expires: undefined };
}
