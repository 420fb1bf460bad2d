/**
 * The README's demo: an Express 5 page with log in, a view counter, the
 * list of the user's signed-in devices with "Sign out other devices", and
 * log out, its sessions in Valkey. `npm run demo` starts a local Valkey and
 * this.
 *
 * Usage: deno run -A examples/demo.ts [--valkey-port 6379] [--port 3000]
 */
import { createServer, type Server } from "node:http";
import { GlideClient } from "@valkey/valkey-glide";
import express from "express";
import session from "express-session";
import { type UserIdOption, ValkeyStore } from "../mod.ts";

declare module "express-session" {
  interface SessionData {
    user?: string;
    views?: number;
    userAgent?: string;
    lastSeen?: number;
  }
}

/** The demo's `userId` option: sessions belong to the name signed in with. */
export const demoUserId: UserIdOption = (session) =>
  typeof session.user === "string" ? session.user : undefined;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>connect-valkey demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}button{font-size:1rem}</style>
</head><body><h1>connect-valkey demo</h1>${body}</body></html>`;
}

/** Builds the demo server on a store made with `userId: demoUserId`. */
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
  app.get("/", (req, res, next) => {
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
    req.session.userAgent = req.get("user-agent") ?? "unknown";
    req.session.lastSeen = Date.now();
    const user = req.session.user;
    // Save first, so the list below shows this visit too.
    req.session.save(async (saveError) => {
      if (saveError) return next(saveError);
      try {
        const devices = await store.userSessions(user);
        devices.sort((a, b) => Number(b.lastSeen ?? 0) - Number(a.lastSeen ?? 0));
        const items = devices.map((device) =>
          `<li class="device">${escapeHtml(String(device.userAgent ?? "unknown"))}, last seen ${
            new Date(Number(device.lastSeen ?? 0)).toISOString()
          }${device.id === req.sessionID ? ' <b class="this-device">(this device)</b>' : ""}</li>`
        ).join("\n");
        res.send(page(`<p>Signed in as <b id="user">${escapeHtml(user)}</b>.</p>
<p>You have seen this page <b id="views">${req.session.views}</b> time(s) in this session.</p>
<p><a href="/" id="reload">Reload</a></p>
<h2>Where you are signed in (<span id="device-count">${devices.length}</span>)</h2>
<ul id="devices">${items}</ul>
<form method="post" action="/sign-out-others"><button id="sign-out-others">Sign out other devices</button></form>
<form method="post" action="/logout"><button id="logout">Log out</button></form>`));
      } catch (error) {
        next(error);
      }
    });
  });
  app.post("/sign-out-others", async (req, res, next) => {
    if (!req.session.user) return void res.redirect(303, "/");
    try {
      await store.destroyUserSessions(req.session.user, { except: req.sessionID });
      res.redirect(303, "/");
    } catch (error) {
      next(error);
    }
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
  const store = new ValkeyStore({ client, prefix: "demo:", userId: demoUserId });
  const server = createDemoServer(store);
  server.listen(port, "127.0.0.1", () => {
    console.log(
      `connect-valkey demo: open http://127.0.0.1:${port}/ (sessions in Valkey on 127.0.0.1:${valkeyPort}, keys "demo:*")`,
    );
  });
}
