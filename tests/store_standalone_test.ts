import { after, before, describe } from "node:test";
import { standaloneClient } from "./helpers/clients.ts";
import type { ContractContext } from "./helpers/contract_context.ts";
import { startStandalone, type ValkeyDeployment } from "./helpers/valkey_servers.ts";
import { storeContract } from "./store_contract.ts";
import { badInputContract } from "./bad_input_contract.ts";
import { mergeContract } from "./merge_contract.ts";
import { userIndexContract } from "./user_index_contract.ts";

describe("ValkeyStore with a GlideClient on a standalone Valkey", () => {
  let server: ValkeyDeployment;
  let ctx: ContractContext;
  before(async () => {
    server = await startStandalone();
    ctx = {
      kind: "standalone",
      client: await standaloneClient(server),
      inspect: await standaloneClient(server),
    };
  });
  after(async () => {
    ctx?.client.close();
    ctx?.inspect.close();
    await server?.stop();
  });
  storeContract(() => ctx);
  badInputContract(() => ctx);
  mergeContract(() => ctx);
  userIndexContract(() => ctx);
});
