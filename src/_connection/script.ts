/**
 * Lua scripts sent as EVALSHA (40 bytes instead of the body, no hashing on
 * the server). A server that does not know a script yet (after a restart or
 * failover) answers NOSCRIPT; {@link evalForm} gives the same command as
 * EVAL, which also loads the script.
 *
 * @module
 */
import { createHash } from "node:crypto";

const BODIES = new Map<string, string>();

/** A script of one key. */
export class Script {
  /** The script's source. */
  readonly body: string;
  /** Its SHA-1, as EVALSHA takes it. */
  readonly sha: string;

  constructor(body: string) {
    this.body = body;
    this.sha = createHash("sha1").update(body).digest("hex");
    BODIES.set(this.sha, body);
  }

  /** The EVALSHA command running this script on `key` with `args`. */
  command(key: string, args: string[]): string[] {
    return ["EVALSHA", this.sha, "1", key, ...args];
  }
}

/** Every script's body, for `SCRIPT LOAD`. */
export function scriptBodies(): string[] {
  return [...BODIES.values()];
}

/** The EVAL form of an EVALSHA command of a known script; `undefined` for anything else. */
export function evalForm(args: string[]): string[] | undefined {
  const body = args[0] === "EVALSHA" ? BODIES.get(args[1]!) : undefined;
  return body === undefined ? undefined : ["EVAL", body, ...args.slice(2)];
}
