/**
 * Reading a session: `HVALS` of its hash (one plain command), and for a key
 * that is not a hash, the read of `legacy_session.ts` (a 1.0.x session, a
 * logout mark, or a corrupt-session error).
 *
 * @module
 */
import { decodeFields, type HashReply } from "./field_codec.ts";
import { sessionKey } from "./keys.ts";
import { decodeLegacy, readOtherReply } from "./legacy_session.ts";
import { isWrongType } from "./logout_mark.ts";
import type { SessionData } from "./options.ts";
import { readCommand, readOtherCommand } from "./scripts.ts";
import type { StoreContext } from "./store_context.ts";

/**
 * The session stored under `sid`, or `null`. With `remember`, the store
 * remembers what it read for the returned object, so a later save of it
 * merges (see `session_merge.ts`).
 */
export async function readSession(
  ctx: StoreContext,
  sid: string,
  operation: string,
  remember: boolean,
): Promise<SessionData | null> {
  const key = sessionKey(ctx.options.prefix, sid);
  let reply: HashReply;
  try {
    reply = await ctx.send(readCommand(key), operation, sid) as HashReply;
  } catch (error) {
    if (!isWrongType(error)) throw error;
    return await readOther(ctx, key, sid, operation, remember);
  }
  return reply.length === 0 ? null : await fromHash(ctx, sid, reply, operation, remember);
}

/** Decodes the values of a session hash; with `remember`, for a later merge. */
async function fromHash(
  ctx: StoreContext,
  sid: string,
  reply: HashReply,
  operation: string,
  remember: boolean,
): Promise<SessionData> {
  const session = await decodeFields(ctx.options.serializer, reply, operation, sid);
  if (remember) ctx.origins.set(session, { sessionId: sid, reply });
  return session;
}

/** Reads a key that is not a hash: a 1.0.x session, a logout mark (`null`), or junk (an error). */
async function readOther(
  ctx: StoreContext,
  key: string,
  sid: string,
  operation: string,
  remember: boolean,
): Promise<SessionData | null> {
  const reply = await ctx.send(readOtherCommand(key), operation, sid);
  const read = readOtherReply(reply, operation, sid);
  if (read.kind === "none") return null;
  // A hash: rewritten in the current layout since the first read.
  if (read.kind === "hash") return await fromHash(ctx, sid, read.reply, operation, remember);
  const { serializer } = ctx.options;
  const session = await decodeLegacy(serializer, read.text, read.expiresAt, operation, sid);
  if (remember) ctx.origins.set(session, { sessionId: sid, legacy: true });
  return session;
}
