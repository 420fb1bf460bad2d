/**
 * Writing sessions: `set()` as a merge of what changed (plain `HSET`,
 * `HDEL`, `PEXPIREAT`) or a whole replace (plain `HSET`, `HLEN`,
 * `PEXPIREAT`, and the replace script only when those are not enough),
 * `touch()`, and `destroy()` (the logout mark), each keeping the user index
 * in step.
 *
 * @module
 */
import {
  type EncodedSession,
  encodeFields,
  encodeValue,
  fieldOfKey,
  storedValue,
  USER_FIELD,
  userOfValue,
  userValue,
} from "./field_codec.ts";
import { sessionKey } from "./keys.ts";
import { isWrongType } from "./logout_mark.ts";
import type { SessionData } from "./options.ts";
import {
  destroyCommand,
  expireAtCommand,
  lengthCommand,
  mergeDeleteCommand,
  mergeWriteCommand,
  persistCommand,
  replaceCommand,
  touchCommand,
  userFieldCommand,
} from "./scripts.ts";
import { fieldMap, loadedFields, type Origin, planSave } from "./session_merge.ts";
import type { StoreContext } from "./store_context.ts";
import { sessionExpiresAt } from "./ttl.ts";
import { indexAdd, indexRemove, userIdOf } from "./user_index.ts";

/** `set()`: a merge for a session the store loaded, else a replace; see `session_merge.ts`. */
export async function saveSession(
  ctx: StoreContext,
  sid: string,
  session: SessionData,
): Promise<void> {
  const { options } = ctx;
  const now = Date.now();
  const key = sessionKey(options.prefix, sid);
  const expiresAt = sessionExpiresAt(options, session, "set", sid, now);
  if (expiresAt !== undefined && expiresAt <= now) {
    // An expiry in the past deletes a session, and never a logout mark.
    await ctx.send(touchCommand(key, expiresAt, 0, "", undefined), "set", sid);
    return;
  }
  const encoded = encodeFields(options.serializer, session, "set", sid);
  const userId = userIdOf(options, session, "set", sid);
  const origin = loadedFields(ctx.origins.get(session, sid));
  const plan = planSave(origin, encoded);
  const plain = plan.kind === "merge" || (!plan.fresh && origin?.legacy !== true);
  // The commands sent together below, admitted or refused together.
  ctx.admit(
    (userId === undefined ? 0 : 1) +
      (plan.kind === "merge" ? 3 : plain ? 3 + (options.userId === undefined ? 0 : 1) : 1),
    "set",
    sid,
  );
  // Sent with the write, in the same pipeline.
  const indexed = userId === undefined
    ? undefined
    : indexAdd(ctx, userId, sid, expiresAt, now, "set");
  indexed?.catch(() => {}); // awaited below; a failed write fails the call first
  const done = plan.kind === "merge"
    ? await merge(ctx, key, sid, origin!, plan, userId, expiresAt)
    : plain && await overwrite(ctx, key, sid, session, encoded, userId, expiresAt);
  if (done) {
    await indexed;
    return;
  }
  // The script: a fresh session (lifts a logout mark), a 1.0.x string, a mark,
  // or a hash holding keys the session no longer has.
  const fresh = plan.kind === "replace" && plan.fresh;
  const command = replaceCommand(key, encoded.fields, encoded.values, expiresAt, fresh, userId);
  const [written, previousUser] = await ctx.send(command, "set", sid) as [number, unknown];
  if (Number(written) === 1) {
    ctx.origins.set(session, { sessionId: sid, fields: fieldMap(encoded), userId });
  }
  const previous = userOfValue(previousUser);
  if (previous !== "" && previous !== userId) await indexRemove(ctx, previous, [sid], "set");
  await indexed;
}

/**
 * A replace with plain commands: writes every field, then checks that the
 * hash holds no other field (`HLEN`), so no script runs in the common case
 * (the same keys as before, or a new session). Resolves `false` when the key
 * holds something else (a logout mark or a 1.0.x string: `HSET` fails by
 * type) or keys the session no longer has: the caller then runs the replace
 * script, which drops the save for a mark and rewrites the rest whole.
 */
async function overwrite(
  ctx: StoreContext,
  key: string,
  sid: string,
  session: SessionData,
  encoded: EncodedSession,
  userId: string | undefined,
  expiresAt: number | undefined,
): Promise<boolean> {
  const fields = userId === undefined ? encoded.fields : [...encoded.fields, USER_FIELD];
  const values = userId === undefined ? encoded.values : [...encoded.values, userValue(userId)];
  // Read before the write, in the same pipeline: the user it belonged to.
  const previous = ctx.options.userId === undefined
    ? undefined
    : ctx.send(userFieldCommand(key), "set", sid);
  const write = ctx.send(mergeWriteCommand(key, fields, values), "set", sid);
  const size = ctx.send(lengthCommand(key), "set", sid);
  const expiry = ctx.send(
    expiresAt === undefined ? persistCommand(key) : expireAtCommand(key, expiresAt),
    "set",
    sid,
  );
  const replies = await afterWrite(write, [previous, size, expiry]);
  if (replies === undefined) return false;
  const [, before, length] = replies;
  // The layout field is one more.
  if (Number(length) !== fields.length + 1) return false;
  ctx.origins.set(session, { sessionId: sid, fields: fieldMap(encoded), userId });
  const owner = userOfValue(before);
  if (owner !== "" && owner !== userId) await indexRemove(ctx, owner, [sid], "set");
  return true;
}

/**
 * The replies of an `HSET` and of the commands sent with it on the same key,
 * or `undefined` when the `HSET` failed by type (a logout mark or a 1.0.x
 * string: the others then fail the same way and are ignored).
 */
async function afterWrite(
  write: Promise<unknown>,
  others: (Promise<unknown> | undefined)[],
): Promise<unknown[] | undefined> {
  try {
    await write;
  } catch (error) {
    for (const other of others) other?.catch(() => {});
    if (isWrongType(error)) return undefined;
    throw error;
  }
  return await Promise.all([write, ...others]);
}

/**
 * Writes what changed since the session was loaded. Resolves `false` when
 * the key turned out not to hold the session hash (a logout mark, a 1.0.x
 * string, or nothing): the caller then replaces it whole, which drops the
 * save for a mark.
 */
async function merge(
  ctx: StoreContext,
  key: string,
  sid: string,
  origin: Origin,
  plan: { fields: string[]; values: string[]; deleted: string[] },
  userId: string | undefined,
  expiresAt: number | undefined,
): Promise<boolean> {
  // The plan holds session keys only; the user field rides along.
  const { fields, values, deleted } = plan;
  let written = fields;
  let writtenValues = values;
  let removed = deleted;
  if (userId !== origin.userId) {
    if (userId === undefined) removed = [...deleted, USER_FIELD];
    else {
      written = [...fields, USER_FIELD];
      writtenValues = [...values, userValue(userId)];
    }
  }
  const write = ctx.send(mergeWriteCommand(key, written, writtenValues), "set", sid);
  const others: Promise<unknown>[] = [];
  if (removed.length > 0) others.push(ctx.send(mergeDeleteCommand(key, removed), "set", sid));
  if (expiresAt !== undefined) others.push(ctx.send(expireAtCommand(key, expiresAt), "set", sid));
  const replies = await afterWrite(write, others);
  if (replies === undefined) return false;
  const added = Number(replies[0]);
  // Every field new, the layout field included: the key had expired or been cleared.
  if (added === written.length + 1) return false;
  const loaded = origin.fields!;
  for (let i = 0; i < fields.length; i++) loaded.set(fields[i]!, values[i]!);
  for (const field of deleted) loaded.delete(field);
  if (origin.userId !== undefined && origin.userId !== userId) {
    await indexRemove(ctx, origin.userId, [sid], "set");
  }
  origin.userId = userId;
  return true;
}

/** `touch()`: moves the expiry and stores the cookie; creates nothing. */
export async function touchSession(
  ctx: StoreContext,
  sid: string,
  session: SessionData,
): Promise<void> {
  const { options } = ctx;
  if (options.disableTouch || options.disableTTL) return;
  const now = Date.now();
  const expiresAt = sessionExpiresAt(options, session, "touch", sid, now)!;
  const cookieField = fieldOfKey("cookie");
  const cookie = session.cookie === undefined ? undefined : storedValue(
    cookieField,
    encodeValue(options.serializer, session.cookie, "cookie", "touch", sid),
  );
  const userId = userIdOf(options, session, "touch", sid);
  const key = sessionKey(options.prefix, sid);
  const indexed = userId !== undefined && expiresAt > now;
  ctx.admit(indexed ? 2 : 1, "touch", sid);
  await Promise.all([
    ctx.send(touchCommand(key, expiresAt, options.touchAfterMs, cookieField, cookie), "touch", sid),
    indexed ? indexAdd(ctx, userId, sid, expiresAt, now, "touch") : undefined,
  ]);
}

/**
 * Replaces the session by a logout mark and takes it out of its user's
 * index; with `userId`, only a session of that user. True when it ended one.
 */
export async function destroySession(
  ctx: StoreContext,
  sid: string,
  userId: string | undefined,
  operation: string,
): Promise<boolean> {
  const key = sessionKey(ctx.options.prefix, sid);
  const [ended, user] = await ctx.send(destroyCommand(key, userId), operation, sid) as [
    number,
    unknown,
  ];
  const owner = userOfValue(user);
  if (userId === undefined && owner !== "") await indexRemove(ctx, owner, [sid], operation);
  return Number(ended) === 1;
}
