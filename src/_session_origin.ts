/**
 * What the store knows of a session object it handed out (what it read, for
 * a later merge), kept on the object itself in a private class field.
 *
 * Why not a `WeakMap`: with an entry per `get()`, V8's garbage collector
 * spent more CPU on the map's entries than the store spent on the call
 * (docs/benchmarks.md). A private field "stamped" on the object (a base
 * class whose constructor returns the object) costs what adding a property
 * costs, and stays invisible: not enumerable, not in JSON, not in
 * `assert.deepStrictEqual`, not copied by spreads or `structuredClone`.
 *
 * @module
 */

/** What the store knows of a session object. */
export interface Origin {
  /** The id it was loaded or created under. */
  sessionId: string;
  /** Created by express-session through the store: its first save lifts a logout mark. */
  fresh?: boolean;
  /** The object as last loaded or saved, serialized: what a save diffs against. */
  seen?: string;
  /** What Valkey held after that load or save: what a compare-and-set expects. */
  stored?: string;
  /** The key's expiry as last read or set (epoch ms). */
  expiresAt?: number;
}

/** Returns the object it is given, so a subclass can add private fields to any object. */
class Stamped {
  constructor(target: object) {
    return target;
  }
}

/** Reads and writes the {@link Origin} of session objects. */
class OriginField extends Stamped {
  #origin: Origin | undefined;

  private constructor(target: object, origin: Origin) {
    super(target);
    this.#origin = origin;
  }

  /** The origin of `session`, when it has one. */
  static get(session: object): Origin | undefined {
    return #origin in session ? (session as OriginField).#origin : undefined;
  }

  /** Remembers `origin` for `session` (nothing for a frozen or sealed object). */
  static set(session: object, origin: Origin): void {
    if (#origin in session) (session as OriginField).#origin = origin;
    else if (Object.isExtensible(session)) new OriginField(session, origin);
  }
}

/** The origin of `session`, when it is known and was for `sessionId`. */
export function originOf(session: object, sessionId: string): Origin | undefined {
  const origin = OriginField.get(session);
  return origin?.sessionId === sessionId ? origin : undefined;
}

/** Remembers where `session` came from. */
export function setOrigin(session: object, origin: Origin): void {
  OriginField.set(session, origin);
}

/** Moves what is known of `from` to `to` (express-session's `createSession`). */
export function moveOrigin(from: object, to: object): void {
  const origin = OriginField.get(from);
  if (origin !== undefined) OriginField.set(to, origin);
}
