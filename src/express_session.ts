/**
 * The parts of express-session's `Store` base class that express-session
 * calls on a store (`generate`, `createSession`, `load`, `regenerate`), as a
 * base class of `ValkeyStore`, written without importing express-session's
 * `Store`. `createSession` needs
 * express-session's own `Session` and `Cookie` classes, so express-session
 * is imported lazily, only once express-session itself has attached to the
 * store: Fastify apps never load it and need not install it.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import type { Callback } from "./callback.ts";
import { ValkeyStoreError } from "./errors.ts";
import type { SessionData } from "./options.ts";

/** The pieces of express-session that `createSession` uses. */
interface ExpressSessionModule {
  Session: new (req: unknown, data: SessionData) => unknown;
  Cookie: new (options: unknown) => { expires?: unknown; originalMaxAge?: unknown };
}

/** A request as express-session hands it to a store. */
export interface SessionRequest {
  sessionID?: string;
  session?: unknown;
}

let importing: Promise<ExpressSessionModule | undefined> | undefined;

/** Imports express-session (once per process); `undefined` when it is not installed. */
function importExpressSession(): Promise<ExpressSessionModule | undefined> {
  importing ??= import("express-session").then(
    (module: Record<string, unknown>) => {
      const exported = (module.default ?? module) as ExpressSessionModule;
      const usable = typeof exported.Session === "function" &&
        typeof exported.Cookie === "function";
      return usable ? exported : undefined;
    },
    () => undefined,
  );
  return importing;
}

/**
 * Builds `req.session` from stored data the way express-session's own
 * `Store#createSession` does: a real `Cookie` (with `expires` as a `Date`)
 * and a real `Session`.
 */
function createExpressSession(
  expressSession: ExpressSessionModule | undefined,
  req: SessionRequest,
  data: SessionData,
): unknown {
  if (expressSession === undefined) {
    throw new Error(
      "ValkeyStore.createSession needs express-session: install it, and pass the store to session({ store })",
    );
  }
  const cookie = data.cookie ?? {};
  const { expires, originalMaxAge } = cookie;
  const restored = new expressSession.Cookie(cookie);
  if (typeof expires === "string") restored.expires = new Date(expires);
  restored.originalMaxAge = originalMaxAge;
  data.cookie = restored as SessionData["cookie"];
  const session = new expressSession.Session(req, data);
  req.session = session;
  return session;
}

/**
 * express-session's store API on top of `get` and `destroy`. An
 * EventEmitter, as express-session listens for "connect"/"disconnect" (this
 * store emits neither: its calls fail fast instead).
 */
export abstract class ExpressSessionStore extends EventEmitter {
  #generate: ((req: SessionRequest) => void) | undefined;
  /** express-session's classes, once imported (after express-session attached to the store). */
  #expressSession: ExpressSessionModule | undefined;
  #importing: Promise<void> | undefined;
  #generateAndRemember = (req: SessionRequest): void => {
    this.#generate?.(req);
    if (typeof req.session === "object" && req.session !== null && req.sessionID !== undefined) {
      this.sessionGenerated(req.sessionID, req.session);
    }
  };

  /** Reads a session (implemented by the store). */
  abstract get(sid: string, callback: Callback<SessionData | null>): Promise<void>;
  /** Deletes a session (implemented by the store). */
  abstract destroy(sid: string, callback: Callback<void>): Promise<void>;

  /**
   * Called when express-session has created a new session through this store
   * (`generate`, also from `regenerate`). Does nothing here.
   *
   * @param _sid The new session's id.
   * @param _session The new `req.session`.
   */
  protected sessionGenerated(_sid: string, _session: object): void {}

  /**
   * Called when `createSession` has built `req.session` from `data`. Does
   * nothing here.
   *
   * @param _data The stored data the session was built from.
   * @param _session The new `req.session`.
   */
  protected sessionCreated(_data: object, _session: object): void {}

  /**
   * Set by express-session when the store is passed to `session({ store })`;
   * setting it loads express-session for `createSession`. Reading it gives
   * a function that also tells the store the session is new.
   */
  get generate(): ((req: SessionRequest) => void) | undefined {
    return this.#generate === undefined ? undefined : this.#generateAndRemember;
  }
  /** Set by express-session; loads express-session on first use. */
  set generate(generate: ((req: SessionRequest) => void) | undefined) {
    this.#generate = generate;
    this.#importing ??= importExpressSession().then((module) => {
      this.#expressSession = module;
    });
  }

  /**
   * Resolves once express-session is imported, while that import (started
   * when express-session attached to the store) is under way; `undefined`
   * otherwise. `get()` waits for it, so `createSession()` can run on its result.
   */
  protected expressSessionPending(): Promise<void> | undefined {
    return this.#expressSession === undefined ? this.#importing : undefined;
  }

  /**
   * Replaces `req.session` by a new session (express-session's API).
   *
   * @param req The request.
   * @param callback Called once the old session is destroyed.
   */
  regenerate(req: SessionRequest, callback: (error?: unknown) => void): void {
    this.destroy(req.sessionID ?? "", (error) => {
      this.generate?.(req);
      callback(error ?? undefined);
    });
  }

  /**
   * Loads a session and builds an express-session `Session` from it (express-session's API).
   *
   * @param sid The session id.
   * @param callback Receives the session, or nothing when there is none.
   */
  // `session` is express-session's own `SessionData` (see createSession).
  // deno-lint-ignore no-explicit-any
  load(sid: string, callback: (error: unknown, session?: any) => void): void {
    this.get(sid, (error, data) => {
      if (error) return callback(error);
      if (!data) return callback(null);
      const req: SessionRequest & { sessionStore: ExpressSessionStore } = {
        sessionID: sid,
        sessionStore: this,
      };
      let created: unknown;
      try {
        created = this.createSession(req, data);
      } catch (failure) {
        return callback(failure);
      }
      callback(null, created);
    });
  }

  /**
   * Builds `req.session` from stored data (express-session's API). Throws
   * a `CORRUPT_SESSION` error naming the session id when the data has no
   * cookie: express-session then fails that request.
   *
   * @param req The request.
   * @param session The stored session data.
   * @returns The new `req.session`.
   */
  // The return type is express-session's own `Session & SessionData`; the
  // package cannot name it without making express-session a hard dependency.
  // deno-lint-ignore no-explicit-any
  createSession(req: SessionRequest, session: object): any {
    const data = session as SessionData;
    if (typeof data.cookie !== "object" || data.cookie === null) {
      throw new ValkeyStoreError(
        "createSession",
        "CORRUPT_SESSION",
        "the stored session has no cookie object",
        { sessionId: req.sessionID },
      );
    }
    const created = createExpressSession(this.#expressSession, req, data) as object;
    this.sessionCreated(session, created);
    return created;
  }
}
