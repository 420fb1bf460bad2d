/**
 * A Deno server with Express 5 and express-session through `npm:` imports,
 * as a Deno app would write it. Run it with
 * `deno run -A examples/deno_express.ts --valkey-port 6379 --port 3000`.
 */
import { GlideClient } from "npm:@valkey/valkey-glide@^2.5.2";
import express from "npm:express@^5.1.0";
import session from "npm:express-session@^1.18.1";
import { ValkeyStore } from "../mod.ts";

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

if (import.meta.main) {
  const client = await GlideClient.createClient({
    addresses: [{ host: "127.0.0.1", port: flag("--valkey-port", 6379) }],
  });
  const app = express();
  app.use(
    session({
      store: new ValkeyStore({ client, prefix: "deno:" }),
      secret: "deno secret",
      resave: false,
      saveUninitialized: false,
    }),
  );
  app.get("/", (req, res) => {
    const data = req.session as unknown as { views?: number };
    data.views = (data.views ?? 0) + 1;
    res.json({ views: data.views, runtime: "Deno" in globalThis ? "deno" : "other" });
  });
  const server = app.listen(flag("--port", 3000), "127.0.0.1", () => {
    const address = server.address();
    console.log(`listening ${typeof address === "object" && address ? address.port : ""}`);
  });
}
