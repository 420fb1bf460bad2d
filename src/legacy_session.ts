/**
 * The 1.0.x layout (one serialized string per session, as connect-valkey
 * 1.0.x and connect-redis store it), read beside the current one so an
 * upgrade keeps everyone logged in, and written back by
 * `ValkeyStore.downgradeToV1()` so a rollback does too.
 *
 * A key that `HVALS` refuses by type is read again with one script that
 * says what it holds: a 1.0.x session (returned with its expiry, and moved
 * to the current layout by its next save), a logout mark (no session), or
 * something else (a corrupt-session error).
 *
 * @module
 */
import { corrupt, errorText, type HashReply } from "./field_codec.ts";
import type { SessionData } from "./options.ts";
import type { Serializer } from "./serializer.ts";
import { applyKeyExpiry } from "./ttl.ts";

/** What a key that is not a session hash turned out to hold. */
export type OtherRead =
  | { kind: "legacy"; text: string; expiresAt: number }
  | { kind: "hash"; reply: HashReply }
  | { kind: "none" };

/** Reads the reply of the read-other script; throws a corrupt-session error for other types. */
export function readOtherReply(reply: unknown, operation: string, sessionId: string): OtherRead {
  const [kind, first, second] = reply as [string, unknown, unknown];
  switch (String(kind)) {
    case "string":
      return { kind: "legacy", text: String(first), expiresAt: Number(second) };
    case "hash":
      return { kind: "hash", reply: first as HashReply };
    case "mark":
    case "none":
      return { kind: "none" };
    default:
      throw corrupt(operation, sessionId, `the key holds a ${String(kind)}`);
  }
}

/**
 * Parses a 1.0.x session (one `parse` of the whole string). Its `touch()`
 * moved only the key's expiry, so `cookie.expires` is taken from the key.
 */
export async function decodeLegacy(
  serializer: Serializer,
  text: string,
  expiresAt: number,
  operation: string,
  sessionId: string,
): Promise<SessionData> {
  let session: unknown;
  try {
    session = await serializer.parse(text);
  } catch (cause) {
    throw corrupt(operation, sessionId, errorText(cause), cause);
  }
  if (typeof session !== "object" || session === null || Array.isArray(session)) {
    throw corrupt(
      operation,
      sessionId,
      `parse returned ${Array.isArray(session) ? "an array" : String(session)}, not an object`,
    );
  }
  applyKeyExpiry(session as SessionData, expiresAt);
  return session as SessionData;
}
