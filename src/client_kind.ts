/**
 * Telling a `GlideClusterClient` from a `GlideClient`.
 *
 * @module
 */
import { GlideClusterClient } from "@valkey/valkey-glide";

/**
 * True for a cluster client. Falls back to a method only cluster clients
 * have, so a client from another copy of the GLIDE package is recognised.
 */
export function isClusterClient(client: object): boolean {
  if (client instanceof GlideClusterClient) return true;
  return typeof (client as { fcallWithRoute?: unknown }).fcallWithRoute ===
    "function";
}
