/**
 * The way back to connect-valkey 1.0.x: every session hash rewritten as the
 * one serialized string per session that 1.0.x (and connect-redis) read,
 * with the same expiry; logout marks and user indexes deleted, since 1.0.x
 * would count them as sessions.
 *
 * @module
 */
import { encodeValue } from "./field_codec.ts";
import { deleteCommand, toV1Command } from "./scripts.ts";
import { readSession } from "./session_read.ts";
import type { StoreContext } from "./store_context.ts";

const OPERATION = "downgradeToV1";

/** Rewrites the store's sessions in the 1.0.x layout; resolves with how many it rewrote. */
export async function downgradeToV1(ctx: StoreContext): Promise<number> {
  const cut = ctx.options.prefix.length;
  let rewritten = 0;
  for await (const keys of ctx.keyPages(OPERATION, "hash")) {
    const done = await Promise.all(keys.map(async (key) => {
      const id = key.slice(cut);
      const [session, expiresAt] = await Promise.all([
        readSession(ctx, id, OPERATION, false),
        ctx.send(["PEXPIRETIME", key], OPERATION, id),
      ]);
      if (session === null) return 0;
      const text = encodeValue(ctx.options.serializer, session, "session", OPERATION, id);
      const at = Number(expiresAt);
      const reply = await ctx.send(toV1Command(key, text, at > 0 ? at : undefined), OPERATION, id);
      return Number(reply);
    }));
    for (const n of done) rewritten += n;
  }
  // Logout marks are sets and user indexes sorted sets; sessions are neither.
  for (const type of ["set", "zset"]) {
    for await (const keys of ctx.keyPages(OPERATION, type)) {
      await Promise.all(keys.map((key) => ctx.send(deleteCommand(key), OPERATION)));
    }
  }
  return rewritten;
}
