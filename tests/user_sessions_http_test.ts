/**
 * "Sign out other devices" over HTTP with Express 5 and Passport-shaped
 * sessions (`req.session.passport.user`): two clients of one user, one
 * lists the devices and signs the other out; the other's next request is
 * signed out. On standalone and cluster.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, it } from "node:test";
import express from "express";
import session from "express-session";
import { ValkeyStore } from "../mod.ts";
import { CookieClient, listen } from "./helpers/http_client.ts";
import { kindSuite } from "./helpers/suite.ts";

type Passport = { passport?: { user?: string } };

function passportApp(store: ValkeyStore) {
  const app = express();
  app.use(session({ store, secret: "passport test", resave: false, saveUninitialized: false }));
  const user = (req: express.Request) => (req.session as unknown as Passport).passport?.user;
  app.post("/login", (req, res, next) => {
    // What passport's req.login does: regenerate, then store the user.
    req.session.regenerate((error) => {
      if (error) return next(error);
      (req.session as unknown as Passport).passport = { user: String(req.query.user) };
      req.session.save((saveError) =>
        saveError ? next(saveError) : res.json({ id: req.sessionID })
      );
    });
  });
  app.get("/me", (req, res) => {
    if (!user(req)) return void res.status(401).json({ error: "signed out" });
    res.json({ user: user(req), id: req.sessionID });
  });
  app.get("/devices", async (req, res, next) => {
    try {
      const devices = await store.userSessions(user(req)!);
      res.json(devices.map((device) => device.id).sort());
    } catch (error) {
      next(error);
    }
  });
  app.post("/sign-out-others", async (req, res, next) => {
    try {
      res.json({ ended: await store.destroyUserSessions(user(req)!, { except: req.sessionID }) });
    } catch (error) {
      next(error);
    }
  });
  return app;
}

for (const kind of ["standalone", "cluster"] as const) {
  describe(`sign out other devices over HTTP on a ${kind} Valkey`, () => {
    const env = kindSuite(kind);

    it("two clients of one user: one signs the other out", async () => {
      const store = new ValkeyStore({
        client: env.client,
        prefix: `passport-${kind}:`,
        userId: (s) => (s as Passport).passport?.user,
      });
      const server = await listen(createServer(passportApp(store)));
      try {
        const laptop = new CookieClient(server.url);
        const phone = new CookieClient(server.url);
        const other = new CookieClient(server.url);
        const laptopId =
          ((await laptop.request("POST", "/login?user=ada")).json as { id: string }).id;
        const phoneId =
          ((await phone.request("POST", "/login?user=ada")).json as { id: string }).id;
        await other.request("POST", "/login?user=bob");
        assert.deepEqual(
          (await laptop.request("GET", "/devices")).json,
          [laptopId, phoneId].sort(),
        );
        assert.equal((await phone.request("GET", "/me")).status, 200);
        assert.deepEqual((await laptop.request("POST", "/sign-out-others")).json, { ended: 1 });
        assert.equal((await phone.request("GET", "/me")).status, 401);
        assert.equal((await laptop.request("GET", "/me")).status, 200);
        assert.equal(
          (await other.request("GET", "/me")).status,
          200,
          "another user was signed out",
        );
        assert.deepEqual((await laptop.request("GET", "/devices")).json, [laptopId]);
      } finally {
        await server.close();
      }
    });
  });
}
