/**
 * Pure parts, without a server: option checks, cluster topology parsing,
 * the GLIDE error classifier and the retry schedule's budgets.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClosingError, ConnectionError, RequestError, TimeoutError } from "@valkey/valkey-glide";
import { parseClusterNodes, parseSlotOwners } from "../src/_connection/cluster_topology.ts";
import { glideErrorKind } from "../src/_connection/glide_errors.ts";
import { sendWithRetries, TRANSIENT_BUDGET_MS } from "../src/_connection/retry.ts";
import { StoreFailure } from "../src/_connection/failure.ts";
import { resolveOptions } from "../src/options.ts";

// Option checks only look at the client's shape; these tests never send a command.
const client = { customCommand() {}, exec() {} } as never;

describe("option checks", () => {
  it("fill in the defaults", () => {
    const options = resolveOptions({ client });
    assert.equal(options.prefix, "sess:");
    assert.equal(options.ttl, 86_400);
    assert.equal(options.clusterDownWait, 10_000);
    assert.equal(options.touchAfterMs, 0);
  });

  it("name the option and the value received", () => {
    assert.throws(() => resolveOptions({ client, prefix: "" }), RangeError);
    assert.throws(
      () => resolveOptions({ client, ttL: 5 } as never),
      /unknown option "ttL"/,
    );
    assert.throws(() => resolveOptions({ client, scanCount: 0 }), /"scanCount" must be/);
    assert.throws(() => resolveOptions({ client: {} as never }), /"client" must be a GlideClient/);
  });
});

const NODES = [
  "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460",
  "b2 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922 [10923->-c3]",
  "c3 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383",
  "d4 127.0.0.1:7003@17003 slave a1 0 0 1 connected",
  "e5 127.0.0.1:7004@17004 master,fail - 0 0 4 disconnected",
].join("\n");

describe("cluster topology", () => {
  it("lists the serving primaries, sees migrations, and maps every slot", () => {
    const topology = parseClusterNodes(NODES);
    assert.deepEqual(topology.primaries.map((p) => p.port), [7000, 7001, 7002]);
    assert.equal(topology.migrating, true);
    const owners = parseSlotOwners(NODES);
    assert.equal(owners[0], "127.0.0.1:7000");
    assert.equal(owners[5461], "127.0.0.1:7001");
    assert.equal(owners[16383], "127.0.0.1:7002");
  });
});

describe("GLIDE errors", () => {
  it("are classified by what they mean for the store", () => {
    assert.equal(glideErrorKind(new TimeoutError("timed out")), "timeout");
    assert.equal(glideErrorKind(new ConnectionError("gone")), "unreachable");
    assert.equal(glideErrorKind(new ClosingError("closed")), "closed");
    const server = (text: string) =>
      new RequestError(`An error was signalled by the server: ${text}`);
    assert.equal(glideErrorKind(server("- ClusterDown: The cluster is down")), "cluster-down");
    assert.equal(glideErrorKind(server("TRYAGAIN Multiple keys")), "try-again");
    assert.equal(glideErrorKind(server("- Moved: 12 127.0.0.1:7000")), "moved");
    assert.equal(glideErrorKind(server("- NoScriptError: No matching script")), "no-script");
    assert.equal(glideErrorKind(server("WRONGTYPE Operation against a key")), "wrong-type");
    assert.equal(glideErrorKind(server("ERR unknown command")), "other");
  });
});

describe("the retry schedule", () => {
  const failing = (error: Error) => {
    let sent = 0;
    const send = () => (sent++, Promise.reject(error));
    return { send, sent: () => sent };
  };

  it("never resends on a standalone client", async () => {
    const { send, sent } = failing(new TimeoutError("timed out"));
    await assert.rejects(sendWithRetries(send, ["GET", "k"], false, 10_000, () => undefined));
    assert.equal(sent(), 1);
  });

  it("resends a cluster timeout for the transient budget even with clusterDownWait 0", async () => {
    const { send, sent } = failing(new TimeoutError("timed out"));
    const started = Date.now();
    await assert.rejects(
      sendWithRetries(send, ["GET", "k"], true, 0, () => undefined),
      TimeoutError,
    );
    assert.ok(sent() > 1, `sent ${sent()} times`);
    assert.ok(Date.now() - started <= TRANSIENT_BUDGET_MS + 100);
  });

  it("gives up on CLUSTERDOWN with CLUSTER_DOWN once clusterDownWait is spent", async () => {
    const { send } = failing(new RequestError("- ClusterDown: The cluster is down"));
    await assert.rejects(sendWithRetries(send, ["GET", "k"], true, 300, () => undefined), (e) => {
      assert.ok(e instanceof StoreFailure);
      assert.equal(e.code, "CLUSTER_DOWN");
      assert.match(e.message, /clusterDownWait \(300 ms\)/);
      return true;
    });
  });

  it("sends the EVAL form once after NOSCRIPT", async () => {
    const seen: string[][] = [];
    const send = (args: string[]) => {
      seen.push(args);
      return args[0] === "EVAL"
        ? Promise.resolve(1)
        : Promise.reject(new RequestError("NoScriptError: No matching script"));
    };
    assert.equal(
      await sendWithRetries(
        send,
        ["EVALSHA", "x", "1", "k"],
        false,
        0,
        () => ["EVAL", "b", "1", "k"],
      ),
      1,
    );
    assert.deepEqual(seen.map((args) => args[0]), ["EVALSHA", "EVAL"]);
  });
});
