/**
 * What a request changed since its session was loaded, so a save writes only
 * that (Spring Session's "delta"), and overlapping requests of one browser
 * merge instead of overwriting each other.
 *
 * The store remembers, per session object, the fields it read from Valkey:
 * `get()` records them for the object it returns, and `createSession()`
 * (which express-session calls to build `req.session` from it) moves them to
 * the new `Session`. A save of that object under the same id then compares
 * each top-level value, serialized, with what was loaded: changed and added
 * values are written, removed ones deleted, the rest left alone, so what
 * other requests wrote to them meanwhile survives.
 *
 * Sessions that express-session creates through the store (`generate`,
 * `regenerate`) are remembered as fresh: their first save replaces whatever
 * the key holds, a logout mark included. Any other object is saved whole.
 *
 * @module
 */
import {
  type EncodedSession,
  type HashReply,
  keyOfField,
  splitStoredValue,
  USER_FIELD,
} from "./field_codec.ts";

/** What the store knows of a session object it handed out. */
export interface Origin {
  /** The id it was loaded or created under. */
  sessionId: string;
  /** Loaded: the `HVALS` reply, until `fields` is built from it on the first save. */
  reply?: HashReply;
  /** Loaded: the fields and their serialized values as read or last written. */
  fields?: Map<string, string>;
  /** Loaded from the 1.0.x layout (a string): the next save rewrites it whole. */
  legacy?: boolean;
  /** Created by express-session through this store (fresh): never loaded. */
  fresh?: boolean;
  /** The user id stored with it, if any. */
  userId?: string;
}

/** A save, as the session's origin asks for it. */
export type SavePlan =
  | { kind: "merge"; fields: string[]; values: string[]; deleted: string[] }
  | { kind: "replace"; fresh: boolean };

/** Per-store memory of the session objects the store handed out (weakly held). */
export class SessionOrigins {
  readonly #origins = new WeakMap<object, Origin>();

  /** Remembers where `session` came from. */
  set(session: object, origin: Origin): void {
    this.#origins.set(session, origin);
  }

  /** Where `session` came from, when it is known and was for `sessionId`. */
  get(session: object, sessionId: string): Origin | undefined {
    const origin = this.#origins.get(session);
    return origin?.sessionId === sessionId ? origin : undefined;
  }

  /** Moves what is known of `from` to `to` (express-session's `createSession`). */
  move(from: object, to: object): void {
    const origin = this.#origins.get(from);
    if (origin !== undefined) this.#origins.set(to, origin);
  }
}

/** Which save the session needs: a merge of what changed, or a whole replace. */
export function planSave(origin: Origin | undefined, encoded: EncodedSession): SavePlan {
  if (origin?.fields === undefined || origin.legacy) {
    return { kind: "replace", fresh: origin?.fresh === true };
  }
  const loaded = origin.fields;
  const fields: string[] = [];
  const values: string[] = [];
  let present = 0;
  for (let i = 0; i < encoded.fields.length; i++) {
    const field = encoded.fields[i]!;
    const value = encoded.values[i]!;
    const before = loaded.get(field);
    if (before !== undefined) present++;
    if (before !== value) {
      fields.push(field);
      values.push(value);
    }
  }
  const deleted: string[] = [];
  if (loaded.size > present) {
    const kept = new Set(encoded.fields);
    for (const field of loaded.keys()) if (!kept.has(field)) deleted.push(field);
  }
  return { kind: "merge", fields, values, deleted };
}

/** The fields of an encoded session, as a later save compares against them. */
export function fieldMap(encoded: EncodedSession): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; i < encoded.fields.length; i++) {
    fields.set(encoded.fields[i]!, encoded.values[i]!);
  }
  return fields;
}

/**
 * The origin with its loaded fields built from the read's reply on
 * first use (most loaded sessions are never saved); `undefined` stays so.
 */
export function loadedFields(origin: Origin | undefined): Origin | undefined {
  if (origin === undefined || origin.fields !== undefined || origin.reply === undefined) {
    return origin;
  }
  const fields = new Map<string, string>();
  for (const stored of origin.reply) {
    const text = String(stored);
    const [field, value] = splitStoredValue(text)!;
    if (keyOfField(field) !== undefined) fields.set(field, text);
    else if (field === USER_FIELD) origin.userId = value;
  }
  origin.fields = fields;
  origin.reply = undefined;
  return origin;
}
