/**
 * Every contract through a least-privilege user: keys under `sess:`
 * only, and only the commands in tests/helpers/acl.ts (the lines of docs/acl.md).
 * Stores use prefixes under `sess:`; the inspecting client is the default
 * user, to read back what is really stored.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import { ACL_PREFIX, CLUSTER_ACL_SETUSER, STANDALONE_ACL_SETUSER } from "./helpers/acl.ts";
import { sessionWith } from "./helpers/contract_context.ts";
import { connectionSuite, runContracts } from "./helpers/contract_suite.ts";
import { repoRoot } from "./helpers/runtime.ts";

describe("the ACL lines of docs/acl.md", () => {
  it("are the lines these tests run the contract through", () => {
    const guide = readFileSync(join(repoRoot(), "docs", "acl.md"), "utf8");
    assert.ok(guide.includes("\n" + STANDALONE_ACL_SETUSER + "\n"), "standalone line");
    assert.ok(guide.includes("\n" + CLUSTER_ACL_SETUSER + "\n"), "cluster line");
  });
});

for (const kind of ["standalone", "cluster"] as const) {
  describe(
    `ValkeyStore through a prefix-scoped ACL user on ${
      kind === "standalone" ? "a standalone Valkey" : "a cluster of 3 primaries"
    }`,
    () => {
      const suite = connectionSuite({ kind, acl: true });
      const client = () => suite.context().client;

      it("the user can use keys under its prefix and no others", async () => {
        await client().customCommand(["SET", `${ACL_PREFIX}probe`, "1"]);
        await assert.rejects(
          client().customCommand(["SET", "elsewhere:probe", "1"]),
          /NOPERM|NoPerm|PermissionDenied/,
        );
        await assert.rejects(
          client().customCommand(["FLUSHALL"]),
          /NOPERM|NoPerm|PermissionDenied/,
        );
      });

      it("a store with the default prefix works through the user", async () => {
        const store = new ValkeyStore({ client: client() });
        await store.set("acl-default", sessionWith({ a: 1 }));
        assert.equal((await store.get("acl-default"))?.a, 1);
        assert.ok((await store.ids()).includes("acl-default"));
        await store.destroy("acl-default");
        assert.equal(await store.get("acl-default"), null);
      });

      runContracts(suite);
    },
  );
}
