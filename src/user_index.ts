/**
 * The user index behind `userSessions()` and `destroyUserSessions()`, as
 * Spring Session's index by principal name: with the `userId` option, each
 * user has a sorted set under the store's prefix (see `userIndexKey`) whose
 * members are the user's session ids, scored by when each one expires.
 *
 * - A write of a session with a user adds one command in the same pipeline
 *   as the write: a script that adds the id with its expiry, drops expired
 *   ids, and keeps the index key alive exactly as long as its longest-lived
 *   session, so the index never outlives its sessions.
 * - A session's hash also holds its user id (the `#u` field), so a logout
 *   and an account switch know which index to leave.
 * - The index is a hint, checked on every read: `userSessions()` returns a
 *   session only when it still belongs to the user, and
 *   `destroyUserSessions()` ends a session only when Valkey says it does.
 *
 * @module
 */
import { ValkeyStoreError } from "./errors.ts";
import { userIndexKey } from "./keys.ts";
import type { ResolvedOptions, SessionData } from "./options.ts";
import { indexAddCommand, indexRemoveCommand } from "./scripts.ts";
import type { StoreContext } from "./store_context.ts";

/**
 * The user id of `session` as stored (numbers become strings), or
 * `undefined` without the option or without a user. Anything else the
 * `userId` function returns fails the call.
 */
export function userIdOf(
  options: Pick<ResolvedOptions, "userId">,
  session: SessionData,
  operation: string,
  sessionId: string,
): string | undefined {
  if (options.userId === undefined) return undefined;
  return normalizeUserId(options.userId(session), operation, sessionId);
}

/** A user id as stored: a non-empty string; numbers become strings; `null`/`undefined`/"" are no user. */
export function normalizeUserId(
  value: unknown,
  operation: string,
  sessionId?: string,
): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new ValkeyStoreError(
    operation,
    "INVALID_SESSION",
    `the userId function must return a string, a number, undefined or null, returned ${
      typeof value === "number" ? String(value) : typeof value
    }`,
    { sessionId },
  );
}

/** Adds a session to its user's index with its expiry: one command, sent with the write. */
export function indexAdd(
  ctx: StoreContext,
  userId: string,
  sid: string,
  expiresAt: number | undefined,
  now: number,
  operation: string,
): Promise<unknown> {
  const index = userIndexKey(ctx.options.prefix, userId);
  return ctx.send(indexAddCommand(index, sid, expiresAt, now), operation, sid);
}

/** Removes sessions from a user's index. */
export function indexRemove(
  ctx: StoreContext,
  userId: string,
  sids: string[],
  operation: string,
): Promise<unknown> {
  const index = userIndexKey(ctx.options.prefix, userId);
  return ctx.send(indexRemoveCommand(index, sids), operation, sids[0]);
}
