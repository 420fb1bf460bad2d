/**
 * A small Express app whose session counts page views: log in, count, log
 * out. Works with Express 5 and Express 4 (same API). Run it with
 * `deno run -A examples/express_app.ts` against a Valkey on 127.0.0.1:6379.
 */
import { GlideClient } from "@valkey/valkey-glide";
import express, { type Express } from "express";
import session from "express-session";
import { ValkeyStore } from "../mod.ts";

declare module "express-session" {
  interface SessionData {
    user?: string;
    views?: number;
  }
}

/** Builds the app on any Express (`express` for 5, `express4` for 4). */
export function createExpressApp(
  store: ValkeyStore,
  createExpress: () => Express = express,
): Express {
  const app = createExpress();
  app.use(express.urlencoded({ extended: false }));
  app.use(
    session({
      store,
      secret: "example secret",
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 3_600_000 },
    }),
  );
  app.post("/login", (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = String(req.body?.user ?? req.query.user ?? "guest");
      req.session.views = 0;
      res.json({ user: req.session.user, id: req.sessionID });
    });
  });
  app.get("/count", (req, res) => {
    if (!req.session.user) return void res.status(401).json({ error: "not logged in" });
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ user: req.session.user, views: req.session.views, id: req.sessionID });
  });
  app.get("/whoami", (req, res) => {
    res.json({ user: req.session.user ?? null, views: req.session.views ?? 0 });
  });
  app.post("/logout", (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
  });
  return app;
}

if (import.meta.main) {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: 6379 }] });
  const app = createExpressApp(new ValkeyStore({ client }));
  app.listen(3000, () => console.log("http://127.0.0.1:3000"));
}
