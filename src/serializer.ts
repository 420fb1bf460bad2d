/**
 * Turning sessions into stored strings and back, and reporting a value that
 * cannot be read as an error for that call (never a crash, never "missing").
 *
 * @module
 */
import { ValkeyStoreError } from "./errors.ts";
import type { SessionData } from "./options.ts";

/**
 * How sessions are stored. `parse` may return a promise (for example to
 * decrypt); `stringify` must return a string.
 *
 * @example Usage
 * ```ts
 * import type { Serializer } from "@gjuchault/connect-valkey";
 *
 * const serializer: Serializer = {
 *   stringify: (session) => JSON.stringify(session),
 *   parse: async (text) => JSON.parse(text),
 * };
 * ```
 */
export interface Serializer {
  /** Reads a stored string back into a session. */
  parse(text: string): SessionData | Promise<SessionData>;
  /** Turns a session into the string to store. */
  stringify(session: SessionData): string;
}

/** JSON, the default serializer. */
export const DEFAULT_SERIALIZER: Serializer = {
  parse: (text) => JSON.parse(text),
  stringify: (session) => JSON.stringify(session),
};

/** Serializes `session`, or throws a store error naming the session id. */
export function encodeSession(
  serializer: Serializer,
  session: SessionData,
  operation: string,
  sessionId: string,
): string {
  let text: unknown;
  try {
    text = serializer.stringify(session);
  } catch (cause) {
    throw new ValkeyStoreError(
      operation,
      "INVALID_SESSION",
      `the session could not be serialized (${errorText(cause)})`,
      { sessionId, cause },
    );
  }
  if (typeof text !== "string") {
    throw new ValkeyStoreError(
      operation,
      "INVALID_SESSION",
      `serializer.stringify must return a string, returned ${typeof text}`,
      { sessionId },
    );
  }
  return text;
}

/** Parses a stored value, or throws a store error naming the session id. */
export async function decodeSession(
  serializer: Serializer,
  text: unknown,
  operation: string,
  sessionId: string,
): Promise<SessionData> {
  if (typeof text !== "string") {
    throw corrupt(operation, sessionId, `expected a string, found ${typeof text}`);
  }
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
  return session as SessionData;
}

/** The error for a stored value that is not a readable session. */
export function corrupt(
  operation: string,
  sessionId: string,
  detail: string,
  cause?: unknown,
): ValkeyStoreError {
  return new ValkeyStoreError(
    operation,
    "CORRUPT_SESSION",
    `the stored value is not a readable session (${detail})`,
    { sessionId, cause },
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
