/**
 * The store contract through a least-privilege user: keys under `sess:`
 * only, and only the commands in tests/helpers/acl.ts (the README's lines).
 * Stores use prefixes under `sess:`; the inspecting client is the default
 * user, to read back what is really stored.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ValkeyStore } from "../mod.ts";
import {
  ACL_CREDENTIALS,
  ACL_PREFIX,
  CLUSTER_ACL_SETUSER,
  createAclUser,
  STANDALONE_ACL_SETUSER,
} from "./helpers/acl.ts";
import { clusterClient, standaloneClient } from "./helpers/clients.ts";
import { type ContractContext, sessionWith } from "./helpers/contract_context.ts";
import { startCluster, startStandalone, type ValkeyDeployment } from "./helpers/valkey_servers.ts";
import { storeContract } from "./store_contract.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./helpers/runtime.ts";
import { badInputContract } from "./bad_input_contract.ts";
import { mergeContract } from "./merge_contract.ts";
import { userIndexContract } from "./user_index_contract.ts";

describe("the README's ACL lines", () => {
  it("are the lines these tests run the contract through", () => {
    const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
    assert.ok(readme.includes("\n" + STANDALONE_ACL_SETUSER + "\n"), "standalone line");
    assert.ok(readme.includes("\n" + CLUSTER_ACL_SETUSER + "\n"), "cluster line");
  });
});

for (const kind of ["standalone", "cluster"] as const) {
  describe(
    `ValkeyStore through a prefix-scoped ACL user on ${
      kind === "standalone" ? "a standalone Valkey" : "a cluster of 3 primaries"
    }`,
    () => {
      let deployment: ValkeyDeployment;
      let ctx: ContractContext;
      const connect = kind === "standalone" ? standaloneClient : clusterClient;
      before(async () => {
        deployment = kind === "standalone" ? await startStandalone() : await startCluster(0);
        await createAclUser(
          deployment,
          kind === "standalone" ? STANDALONE_ACL_SETUSER : CLUSTER_ACL_SETUSER,
        );
        ctx = {
          kind,
          client: await connect(deployment, ACL_CREDENTIALS),
          inspect: await connect(deployment),
          basePrefix: ACL_PREFIX,
        };
      });
      after(async () => {
        ctx?.client.close();
        ctx?.inspect.close();
        await deployment?.stop();
      });

      it("the user can use keys under its prefix and no others", async () => {
        await ctx.client.customCommand(["SET", `${ACL_PREFIX}probe`, "1"]);
        await assert.rejects(
          ctx.client.customCommand(["SET", "elsewhere:probe", "1"]),
          /NOPERM|NoPerm|PermissionDenied/,
        );
        await assert.rejects(
          ctx.client.customCommand(["FLUSHALL"]),
          /NOPERM|NoPerm|PermissionDenied/,
        );
      });

      it("a store with the default prefix works through the user", async () => {
        const store = new ValkeyStore({ client: ctx.client });
        await store.set("acl-default", sessionWith({ a: 1 }));
        assert.equal((await store.get("acl-default"))?.a, 1);
        assert.ok((await store.ids()).includes("acl-default"));
        await store.destroy("acl-default");
        assert.equal(await store.get("acl-default"), null);
      });

      storeContract(() => ctx);
      badInputContract(() => ctx);
      mergeContract(() => ctx);
      userIndexContract(() => ctx);
    },
  );
}
