/**
 * The store's options, their defaults, and the checks that reject bad ones at
 * construction with a message naming the option and the value received.
 *
 * @module
 */
import type { GlideClient, GlideClusterClient } from "@valkey/valkey-glide";
import { DEFAULT_SERIALIZER, type Serializer } from "./serializer.ts";

/**
 * A session as express-session and @fastify/session hand it to a store: any
 * JSON-like data plus an optional `cookie` whose `expires` sets the TTL.
 *
 * @example Usage
 * ```ts
 * import type { SessionData } from "@gjuchault/connect-valkey";
 *
 * const session: SessionData = { cookie: { expires: new Date(Date.now() + 60_000) }, user: "ada" };
 * ```
 */
export interface SessionData {
  /** The session cookie; `expires` (a `Date` or an ISO string) wins over the `ttl` option. */
  cookie?: {
    expires?: Date | string | null;
    originalMaxAge?: number | null;
  };
  [key: string]: unknown;
}

/**
 * What `set()` and `touch()` accept: any session object. Typed loosely so
 * express-session's and @fastify/session's own session types fit without a
 * cast.
 *
 * @example Usage
 * ```ts
 * import type { SessionInput } from "@gjuchault/connect-valkey";
 *
 * const input: SessionInput = { cookie: { originalMaxAge: null }, cart: [1, 2] };
 * ```
 */
export type SessionInput = SessionData | object;

/**
 * A TTL in seconds, or a function of the session that returns one.
 *
 * @example Usage
 * ```ts
 * import type { TtlOption } from "@gjuchault/connect-valkey";
 *
 * const ttl: TtlOption = (session) => (session.remember ? 30 * 86_400 : 3_600);
 * ```
 */
export type TtlOption = number | ((session: SessionData) => number);

/**
 * Options of {@link ValkeyStore}. Only `client` is required.
 *
 * @example Usage
 * ```ts ignore
 * import type { ValkeyStoreOptions } from "@gjuchault/connect-valkey";
 *
 * const options: ValkeyStoreOptions = { client, prefix: "myapp:", ttl: 3600, touchAfter: 60 };
 * ```
 */
export interface ValkeyStoreOptions {
  /** A connected `GlideClient` (standalone) or `GlideClusterClient` (cluster). You create and close it. */
  client: GlideClient | GlideClusterClient;
  /** Prefix of every session key. Default `"sess:"`. Must not be empty. */
  prefix?: string;
  /** Seconds a session lives when its cookie has no `expires`, or a function of the session. Default 86400. */
  ttl?: TtlOption;
  /** Make `touch()` a no-op: sessions then expire `ttl` after their last `set()`. Default `false`. */
  disableTouch?: boolean;
  /** Store sessions without any expiry (`touch()` is then a no-op too). Default `false`. */
  disableTTL?: boolean;
  /** How each top-level value of a session becomes a string and back. `parse` may be async. Default JSON. */
  serializer?: Serializer;
  /** The COUNT hint of each SCAN step in `clear/length/ids/all`. Default 100. */
  scanCount?: number;
  /**
   * Skip a `touch()` that would push the key's expiry back by less than this
   * many seconds: with a fixed cookie `maxAge`, that is a touch less than
   * `touchAfter` seconds after the last refresh. Checked in Valkey, so it
   * holds across app instances. Default 0: every touch refreshes.
   */
  touchAfter?: number;
  /**
   * Which user a session belongs to, for `userSessions()` and
   * `destroyUserSessions()` (for Passport: `(session) => session.passport?.user`).
   * Return `undefined` or `null` for a session without a user. Without this
   * option the store keeps no user index and sends no extra commands.
   */
  userId?: UserIdOption;
  /**
   * Cluster only: how many milliseconds a command may keep being resent
   * while the cluster is failing over (`CLUSTERDOWN`, `TRYAGAIN`, a slot
   * whose new owner is not known yet, a primary not answering), with a short
   * growing backoff, before it fails with a `CLUSTER_DOWN` (or `UNREACHABLE`)
   * error. Choose it above your failover time: about 2 to 3 times
   * `cluster-node-timeout`. 0 turns the waiting off. Default 10000.
   */
  clusterDownWait?: number;
  /**
   * Cluster only: how many milliseconds `clear/length/ids/all/sessionPages`
   * keep rescanning while slots are being moved (a scan during a reshard may
   * miss keys, so it is repeated until no slot moved), before failing with a
   * `RESHARDING` error. Default 120000.
   */
  scanReshardWait?: number;
}

/**
 * Which user a session belongs to: a function of the session returning the
 * user's id, or `undefined`/`null` for none.
 *
 * @example Usage
 * ```ts
 * import type { UserIdOption } from "@gjuchault/connect-valkey";
 *
 * const userId: UserIdOption = (session) =>
 *   (session.passport as { user?: string } | undefined)?.user;
 * ```
 */
export type UserIdOption = (session: SessionData) => string | number | undefined | null;

/** The options after defaults and checks. */
export interface ResolvedOptions {
  client: GlideClient | GlideClusterClient;
  prefix: string;
  ttl: TtlOption;
  disableTouch: boolean;
  disableTTL: boolean;
  serializer: Serializer;
  scanCount: number;
  touchAfterMs: number;
  userId: UserIdOption | undefined;
  clusterDownWait: number;
  scanReshardWait: number;
}

/** Default prefix of session keys. */
export const DEFAULT_PREFIX = "sess:";
/** Default session lifetime in seconds: one day. */
export const DEFAULT_TTL_SECONDS = 86_400;
/** Default SCAN COUNT hint. */
export const DEFAULT_SCAN_COUNT = 100;
/** Default `clusterDownWait`: covers a failover with a `cluster-node-timeout` of a few seconds. */
export const DEFAULT_CLUSTER_DOWN_WAIT_MS = 10_000;
/** Default `scanReshardWait`: two minutes. */
export const DEFAULT_SCAN_RESHARD_WAIT_MS = 120_000;

const KNOWN_OPTIONS = new Set([
  "client",
  "prefix",
  "ttl",
  "disableTouch",
  "disableTTL",
  "serializer",
  "scanCount",
  "touchAfter",
  "userId",
  "clusterDownWait",
  "scanReshardWait",
]);

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return String(value);
}

function fail(
  kind: typeof TypeError | typeof RangeError,
  option: string,
  expected: string,
  value: unknown,
): never {
  throw new kind(
    `Cannot create ValkeyStore: "${option}" must be ${expected}, received ${describe(value)}`,
  );
}

function isGlideClient(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.customCommand === "function" &&
    typeof candidate.exec === "function";
}

function checkBoolean(options: Record<string, unknown>, name: string): boolean {
  const value = options[name];
  if (value === undefined) return false;
  if (typeof value !== "boolean") fail(TypeError, name, "a boolean", value);
  return value;
}

function checkMilliseconds(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
): number {
  const value = options[name] ?? fallback;
  if (typeof value !== "number") fail(TypeError, name, "a number of milliseconds", value);
  if (!Number.isFinite(value) || value < 0) {
    fail(RangeError, name, "0 or a positive number of milliseconds", value);
  }
  return value;
}

/** Checks the options and fills in defaults; throws `TypeError`/`RangeError` naming the bad option. */
export function resolveOptions(options: ValkeyStoreOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create ValkeyStore: options must be an object with a "client", received ${
        describe(options)
      }`,
    );
  }
  const raw = options as unknown as Record<string, unknown>;
  for (const name of Object.keys(raw)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TypeError(
        `Cannot create ValkeyStore: unknown option "${name}", expected one of ${
          [...KNOWN_OPTIONS].join(", ")
        }`,
      );
    }
  }
  if (!isGlideClient(raw.client)) {
    fail(
      TypeError,
      "client",
      "a GlideClient or GlideClusterClient",
      raw.client,
    );
  }

  const prefix = raw.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== "string") {
    fail(TypeError, "prefix", "a string", prefix);
  }
  if (prefix.length === 0) {
    fail(
      RangeError,
      "prefix",
      "a non-empty string (an empty prefix would make clear() delete every key)",
      prefix,
    );
  }

  const ttl = raw.ttl ?? DEFAULT_TTL_SECONDS;
  if (typeof ttl === "number") {
    if (!Number.isFinite(ttl) || ttl <= 0) {
      fail(RangeError, "ttl", "a positive number of seconds", ttl);
    }
  } else if (typeof ttl !== "function") {
    fail(TypeError, "ttl", "a number of seconds or a function", ttl);
  }

  const serializer = raw.serializer ?? DEFAULT_SERIALIZER;
  if (
    typeof serializer !== "object" || serializer === null ||
    typeof (serializer as Serializer).parse !== "function" ||
    typeof (serializer as Serializer).stringify !== "function"
  ) {
    fail(
      TypeError,
      "serializer",
      "an object with parse and stringify functions",
      serializer,
    );
  }

  const scanCount = raw.scanCount ?? DEFAULT_SCAN_COUNT;
  if (typeof scanCount !== "number") {
    fail(TypeError, "scanCount", "an integer of 1 or more", scanCount);
  }
  if (!Number.isInteger(scanCount) || scanCount < 1) {
    fail(RangeError, "scanCount", "an integer of 1 or more", scanCount);
  }

  const touchAfter = raw.touchAfter ?? 0;
  if (typeof touchAfter !== "number") {
    fail(TypeError, "touchAfter", "a number of seconds", touchAfter);
  }
  if (!Number.isFinite(touchAfter) || touchAfter < 0) {
    fail(RangeError, "touchAfter", "0 or a positive number of seconds", touchAfter);
  }

  const userId = raw.userId;
  if (userId !== undefined && typeof userId !== "function") {
    fail(TypeError, "userId", "a function of the session", userId);
  }

  return {
    client: raw.client as GlideClient | GlideClusterClient,
    prefix,
    ttl: ttl as TtlOption,
    disableTouch: checkBoolean(raw, "disableTouch"),
    disableTTL: checkBoolean(raw, "disableTTL"),
    serializer: serializer as Serializer,
    scanCount,
    touchAfterMs: Math.round(touchAfter * 1000),
    userId: userId as UserIdOption | undefined,
    clusterDownWait: checkMilliseconds(raw, "clusterDownWait", DEFAULT_CLUSTER_DOWN_WAIT_MS),
    scanReshardWait: checkMilliseconds(raw, "scanReshardWait", DEFAULT_SCAN_RESHARD_WAIT_MS),
  };
}
