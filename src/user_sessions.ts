/**
 * `userSessions()` and `destroyUserSessions()` on top of the user index
 * (`user_index.ts`): the index says which sessions to look at; Valkey says
 * which of them still belong to the user.
 *
 * @module
 */
import { userIndexKey } from "./keys.ts";
import { indexReadCommand, indexRemoveCommand } from "./scripts.ts";
import { readSession } from "./session_read.ts";
import { destroySession } from "./session_write.ts";
import type { StoreContext } from "./store_context.ts";
import type { SessionWithId } from "./session_with_id.ts";
import { normalizeUserId, userIdOf } from "./user_index.ts";

/**
 * Options of `ValkeyStore.destroyUserSessions()`.
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

/** The live sessions of a user; entries of the index that no longer belong to it are dropped. */
export async function userSessions(
  ctx: StoreContext,
  userId: string | number,
): Promise<SessionWithId[]> {
  const user = requireUser(ctx, userId, "userSessions");
  const index = userIndexKey(ctx.options.prefix, user);
  const ids = (await ctx.send(indexReadCommand(index, Date.now()), "userSessions") as unknown[])
    .map(String);
  // One failed read (a shard that is down) fails the call: never a partial answer.
  const sessions = await Promise.all(ids.map((id) => readSession(ctx, id, "userSessions", false)));
  const found: SessionWithId[] = [];
  const stale: string[] = [];
  sessions.forEach((session, i) => {
    const id = ids[i]!;
    const owner = session === null ? undefined : userIdOf(ctx.options, session, "userSessions", id);
    if (owner === user) found.push(Object.assign(session!, { id }));
    else stale.push(id);
  });
  if (stale.length > 0) await ctx.send(indexRemoveCommand(index, stale), "userSessions");
  return found;
}

/** Ends every session of a user but those in `except`; resolves with how many it ended. */
export async function destroyUserSessions(
  ctx: StoreContext,
  userId: string | number,
  options: DestroyUserSessionsOptions,
): Promise<number> {
  const user = requireUser(ctx, userId, "destroyUserSessions");
  const except = new Set(
    options.except === undefined
      ? []
      : Array.isArray(options.except)
      ? options.except
      : [options.except],
  );
  const index = userIndexKey(ctx.options.prefix, user);
  const listed = await ctx.send(indexReadCommand(index, 0), "destroyUserSessions") as unknown[];
  const ids = listed.map(String).filter((id) => !except.has(id));
  // Each one ended as destroy() ends one, and only while it still belongs to the user.
  const ended = await Promise.all(
    ids.map((id) => destroySession(ctx, id, user, "destroyUserSessions")),
  );
  if (ids.length > 0) await ctx.send(indexRemoveCommand(index, ids), "destroyUserSessions");
  return ended.filter(Boolean).length;
}

function requireUser(ctx: StoreContext, userId: string | number, operation: string): string {
  if (ctx.options.userId === undefined) {
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
