/**
 * The README's demo: an Express 5 page with log in, a view counter and log
 * out, its session in Valkey. `npm run demo` starts a local Valkey and this.
 *
 * Usage: deno run -A examples/demo.ts [--valkey-port 6379] [--port 3000]
 */
import { createServer, type Server } from "node:http";
import { GlideClient } from "@valkey/valkey-glide";
import express from "express";
import session from "express-session";
import { ValkeyStore } from "../mod.ts";

declare module "express-session" {
  interface SessionData {
    user?: string;
    views?: number;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>connect-valkey demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}button{font-size:1rem}</style>
</head><body><h1>connect-valkey demo</h1>${body}</body></html>`;
}

/** Builds the demo server on a store. */
export function createDemoServer(store: ValkeyStore): Server {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(
    session({
      store,
      secret: "demo secret",
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 3_600_000 },
    }),
  );
  app.get("/", (req, res) => {
    if (!req.session.user) {
      res.send(
        page(
          `<form method="post" action="/login"><label>Name <input name="user" id="name" value="ada"></label>
<button id="login">Log in</button></form>`,
        ),
      );
      return;
    }
    req.session.views = (req.session.views ?? 0) + 1;
    res.send(page(`<p>Signed in as <b id="user">${escapeHtml(req.session.user)}</b>.</p>
<p>You have seen this page <b id="views">${req.session.views}</b> time(s) in this session.</p>
<p><a href="/" id="reload">Reload</a></p>
<form method="post" action="/logout"><button id="logout">Log out</button></form>`));
  });
  app.post("/login", (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = String(req.body?.user || "guest");
      req.session.views = 0;
      // express-session sends a redirect's headers before its own save has
      // finished, and browsers follow redirects at once: save first.
      req.session.save((saveError) => (saveError ? next(saveError) : res.redirect(303, "/")));
    });
  });
  app.post("/logout", (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.redirect(303, "/")));
  });
  return createServer(app);
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

if (import.meta.main) {
  const valkeyPort = flag("--valkey-port", 6379);
  const port = flag("--port", 3000);
  const client = await GlideClient.createClient({
    addresses: [{ host: "127.0.0.1", port: valkeyPort }],
  });
  const server = createDemoServer(new ValkeyStore({ client, prefix: "demo:" }));
  server.listen(port, "127.0.0.1", () => {
    console.log(
      `connect-valkey demo: open http://127.0.0.1:${port}/ (sessions in Valkey on 127.0.0.1:${valkeyPort}, keys "demo:*")`,
    );
  });
}
