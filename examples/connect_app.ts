/**
 * connect with express-session: a view counter without Express. Run it with
 * `deno run -A examples/connect_app.ts` against a Valkey on 127.0.0.1:6379.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:http";
import { GlideClient } from "@valkey/valkey-glide";
import connect from "connect";
import session from "express-session";
import { ValkeyStore } from "../mod.ts";

type Request = IncomingMessage & { session: session.Session & { views?: number } };

/** Builds an http.Server running a connect app with a session view counter. */
export function createConnectServer(store: ValkeyStore): Server {
  const app = connect();
  // express-session's types name Express' request; connect passes plain Node requests.
  app.use(
    session({
      store,
      secret: "example secret",
      resave: false,
      saveUninitialized: false,
    }) as connect.NextHandleFunction,
  );
  app.use((req: IncomingMessage, res: ServerResponse) => {
    const request = req as Request;
    request.session.views = (request.session.views ?? 0) + 1;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ views: request.session.views }));
  });
  return createServer(app);
}

if (import.meta.main) {
  const client = await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port: 6379 }] });
  createConnectServer(new ValkeyStore({ client })).listen(
    3000,
    () => console.log("http://127.0.0.1:3000"),
  );
}
