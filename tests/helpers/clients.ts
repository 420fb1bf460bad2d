/** Creates GLIDE clients for a test deployment. */
import { GlideClient, GlideClusterClient, Logger } from "@valkey/valkey-glide";

// GLIDE logs command errors (which these tests provoke on purpose) at WARN on
// stdout. The tests, not the library, quiet it: Logger is process-wide.
Logger.init("error");
import type { ValkeyDeployment } from "./valkey_servers.ts";

export type AnyClient = GlideClient | GlideClusterClient;

/**
 * For a deployment started with TLS: connect with TLS and trust the test CA
 * (certificates are verified; nothing is made insecure).
 */
function tlsConfig(deployment: ValkeyDeployment): Record<string, unknown> {
  if (deployment.tls === undefined) return {};
  return {
    useTLS: true,
    advancedConfiguration: {
      tlsAdvancedConfiguration: { rootCertificates: deployment.tls.caCert },
    },
  };
}

export function standaloneClient(
  deployment: ValkeyDeployment,
  extra: Record<string, unknown> = {},
): Promise<GlideClient> {
  const node = deployment.nodes[0]!;
  return GlideClient.createClient({
    addresses: [{ host: node.host, port: node.port }],
    ...tlsConfig(deployment),
    ...extra,
  });
}

export function clusterClient(
  deployment: ValkeyDeployment,
  extra: Record<string, unknown> = {},
): Promise<GlideClusterClient> {
  return GlideClusterClient.createClient({
    addresses: deployment.nodes.map((node) => ({ host: node.host, port: node.port })),
    ...tlsConfig(deployment),
    ...extra,
  });
}
