/** Every contract against a standalone Valkey, through a `GlideClient`. */
import { describe } from "node:test";
import { connectionSuite, runContracts } from "./helpers/contract_suite.ts";

describe("ValkeyStore with a GlideClient on a standalone Valkey", () => {
  runContracts(connectionSuite({ kind: "standalone" }));
});
