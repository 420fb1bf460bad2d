/**
 * The parts of express-session's `Store` base class that express-session
 * calls on a store (`createSession`, `load`, `regenerate`). They need
 * express-session's own `Session` and `Cookie` classes, so express-session
 * is imported lazily, only once express-session itself has attached to the
 * store: Fastify apps never load it and need not install it.
 *
 * @module
 */
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

let expressSession: ExpressSessionModule | undefined;
let loading: Promise<void> | undefined;

/** Starts importing express-session (once); resolves when it is loaded or known missing. */
export function loadExpressSession(): Promise<void> {
  loading ??= import("express-session").then(
    (module: Record<string, unknown>) => {
      const exported = (module.default ?? module) as ExpressSessionModule;
      if (typeof exported.Session === "function" && typeof exported.Cookie === "function") {
        expressSession = exported;
      }
    },
    () => {},
  );
  return loading;
}

/** Whether a load was started and has not finished yet. */
export function expressSessionPending(): Promise<void> | undefined {
  return expressSession === undefined ? loading : undefined;
}

/**
 * Builds `req.session` from stored data the way express-session's own
 * `Store#createSession` does: a real `Cookie` (with `expires` as a `Date`)
 * and a real `Session`.
 */
export function createExpressSession(req: SessionRequest, data: SessionData): unknown {
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
