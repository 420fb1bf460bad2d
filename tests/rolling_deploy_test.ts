/**
 * A rolling deploy, both ways: two Express 5 apps behind one "balancer"
 * (each browser's requests go to either at random), one on this store and
 * one on connect-valkey 1.0.1 (npm) or connect-redis 9 (node-redis 5), with
 * the same Valkey, prefix and secret. Each browser logs in, counts 8 times
 * and logs out: no request may fail, nobody may be logged out, no count may
 * be lost, and the logout must hold on both sides. Then the rollback: the
 * sessions this store wrote carry on on the old app alone. With
 * express-session's recommended settings and with its defaults, on a
 * standalone Valkey and a cluster.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import express from "express";
import session, { type Store } from "express-session";
import { ValkeyStore as V1Store } from "connect-valkey-1";
import { RedisStore } from "connect-redis";
import { createClient, createCluster } from "redis";
import { ValkeyStore } from "../mod.ts";
import { kindSuite } from "./helpers/suite.ts";
import { CookieClient, listen } from "./helpers/http_client.ts";

type Data = Record<string, unknown>;
type Settings = "recommended" | "defaults";

function app(store: Store, settings: Settings) {
  const server = express();
  server.use(session({
    store,
    secret: "rolling deploy",
    name: "sid",
    cookie: { maxAge: 3_600_000 },
    ...(settings === "recommended"
      ? { resave: false, saveUninitialized: false }
      : { resave: true, saveUninitialized: true }),
  }));
  const data = (req: express.Request) => req.session as unknown as Data;
  server.post("/login", (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      data(req).user = String(req.query.user);
      data(req).count = 0;
      res.json({ id: req.sessionID });
    });
  });
  server.post("/count", (req, res) => {
    if (data(req).user === undefined) return void res.status(401).json({ error: "logged out" });
    data(req).count = Number(data(req).count) + 1;
    res.json({ user: data(req).user, count: data(req).count });
  });
  server.post("/logout", (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
  });
  // Errors answer 500 with their message, so a failed walk says why.
  server.use((error: Error, _req: express.Request, res: express.Response, _next: unknown) => {
    res.status(500).json({ error: String(error.message) });
  });
  return server;
}

/** One browser's walk through the balancer; returns what went wrong. */
async function walk(
  name: string,
  browser: (side: number) => CookieClient,
  pick: () => number,
  counts: number,
): Promise<string[]> {
  const problems: string[] = [];
  const login = await browser(pick()).request("POST", `/login?user=${name}`);
  if (login.status !== 200) return [`${name} login: ${login.status} ${login.text}`];
  for (let n = 1; n <= counts; n++) {
    const answer = await browser(pick()).request("POST", "/count");
    const json = answer.json as { user?: string; count?: number };
    if (answer.status !== 200 || json.user !== name || json.count !== n) {
      problems.push(`${name} count ${n}: ${answer.status} ${answer.text}`);
    }
  }
  return problems;
}

async function logoutHolds(
  browser: (side: number) => CookieClient,
  via: number,
): Promise<string[]> {
  const problems: string[] = [];
  const out = await browser(via).request("POST", "/logout");
  if (out.status !== 200) problems.push(`logout: ${out.status} ${out.text}`);
  for (const side of [0, 1]) {
    const after = await browser(side).request("POST", "/count");
    if (after.status !== 401) problems.push(`after logout, side ${side}: ${after.status}`);
  }
  return problems;
}

const PEERS = ["connect-valkey 1.0.1", "connect-redis 9"] as const;

for (const kind of ["standalone", "cluster"] as const) {
  describe(`a rolling deploy beside the old stores on a ${kind} Valkey`, () => {
    type Redis = {
      connect(): Promise<unknown>;
      close?(): Promise<unknown>;
      quit?(): Promise<unknown>;
      on(event: "error", listener: (error: unknown) => void): unknown;
    };
    let redis: Redis | undefined;
    let redisClient: unknown;
    /** node-redis errors while the peer is in use: a test that met one fails. */
    const redisErrors: unknown[] = [];
    // Registered before kindSuite's hooks: node:test runs `after` hooks in the
    // order they were added, so node-redis closes before the servers stop
    // (else it reports the closed sockets as an uncaught error).
    after(async () => {
      const closing = redis;
      redis = undefined;
      await (closing?.close?.() ?? closing?.quit?.());
    });
    const env = kindSuite(kind);
    before(async () => {
      const nodes = env.deployment.nodes;
      const created = (kind === "standalone"
        ? createClient({ url: `redis://127.0.0.1:${nodes[0]!.port}` })
        : createCluster({
          rootNodes: nodes.map((node) => ({ url: `redis://127.0.0.1:${node.port}` })),
        })) as unknown as Redis;
      // An error after the suite let go of the client (servers stopping) is not the tests'.
      created.on("error", (error) => {
        if (redis !== undefined) {
          redisErrors.push(error);
        }
      });
      redis = created;
      redisClient = created;
      await created.connect();
    });

    let counter = 0;
    for (const peer of PEERS) {
      for (const settings of ["recommended", "defaults"] as const) {
        it(`beside ${peer}, ${settings} settings: 0 errors, nobody logged out, nothing lost, logout final, rollback works`, async () => {
          const prefix = `roll-${kind}-${++counter}:`;
          const store = new ValkeyStore({ client: env.client, prefix });
          const old = peer === "connect-valkey 1.0.1"
            ? new V1Store({ client: env.client, prefix } as never) as unknown as Store
            : new RedisStore({ client: redisClient as never, prefix }) as unknown as Store;
          const servers = await Promise.all(
            [store as unknown as Store, old].map((s) => listen(createServer(app(s, settings)))),
          );
          try {
            const problems: string[] = [];
            const browsers = Array.from({ length: 12 }, () => new CookieClient(servers[0]!.url));
            const side = (b: CookieClient) => (n: number) => b.withBase(servers[n]!.url);
            // Mixed: each request to either app at random.
            const mixed = await Promise.all(
              browsers.map((b, i) => walk(`u${i}`, side(b), () => Math.round(Math.random()), 8)),
            );
            problems.push(...mixed.flat());
            // Logout through either side holds on both.
            for (const [i, b] of browsers.slice(0, 6).entries()) {
              problems.push(...await logoutHolds(side(b), i % 2));
            }
            // Rollback: log in on this store, then carry on on the old app only.
            const rolled = await Promise.all(
              browsers.slice(6).map(async (b, i) => {
                const name = `r${i}`;
                const start = await walk(name, side(b), () => 0, 3);
                const rest: string[] = [];
                for (let n = 4; n <= 6; n++) {
                  const answer = await side(b)(1).request("POST", "/count");
                  if ((answer.json as { count?: number }).count !== n) {
                    rest.push(
                      `${name} on the old app, count ${n}: ${answer.status} ${answer.text}`,
                    );
                  }
                }
                return [...start, ...rest, ...await logoutHolds(side(b), i % 2)];
              }),
            );
            problems.push(...rolled.flat());
            assert.deepEqual(problems, []);
            assert.deepEqual(redisErrors, [], "node-redis reported errors");
            // Every login ended: no session with a user is left.
            assert.deepEqual((await store.all()).filter((s) => s.user !== undefined), []);
          } finally {
            await Promise.all(servers.map((server) => server.close()));
          }
        });
      }
    }
  });
}
