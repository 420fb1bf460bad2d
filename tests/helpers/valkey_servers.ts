/**
 * Starts real valkey-server processes on free loopback ports for a test
 * suite, and stops exactly those processes afterwards.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const HOST = "127.0.0.1";

/** One valkey-server started by a test. */
export interface ValkeyNode {
  host: string;
  port: number;
  process: ChildProcess | undefined;
  args: string[];
}

const started = new Set<ChildProcess>();

function killAllStarted(): void {
  for (const child of started) child.kill("SIGKILL");
}
// A crashed test run must not leave servers behind.
if (typeof process !== "undefined") process.once("exit", killAllStarted);

/** A free loopback port; with `bus`, `port + 10000` (the cluster bus) is free too. */
export async function freePort(bus = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (!bus) return port;
    if (port + 10_000 < 65_536 && (await canListen(port + 10_000))) return port;
  }
  throw new Error("no free port pair found");
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, HOST, () => {
      const address = server.address();
      const chosen = typeof address === "object" && address !== null ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(() => true, () => false);
}

/** Starts (or restarts) a node's process and waits until it accepts connections. */
export async function startProcess(node: ValkeyNode): Promise<void> {
  const child = spawn("valkey-server", node.args, { stdio: "ignore" });
  started.add(child);
  child.once("exit", () => started.delete(child));
  node.process = child;
  await waitForPort(node.port, 10_000);
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, HOST);
    });
  return waitUntil(
    accepts,
    timeoutMs,
    () => `valkey-server on port ${port} did not start within ${timeoutMs} ms`,
  );
}

/** Kills a node's process with `signal` and waits for it to exit. */
export async function stopProcess(
  node: ValkeyNode,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  const child = node.process;
  node.process = undefined;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

/** The TLS files of the nodes started with TLS, by port: `cli()` must speak TLS to them. */
const tlsByPort = new Map<number, TlsFiles>();

/** The valkey-cli arguments that make it speak TLS to `port` (none for a plain node). */
export function cliTlsArgs(port: number): string[] {
  const tls = tlsByPort.get(port);
  return tls === undefined ? [] : ["--tls", "--cacert", tls.caCertFile];
}

/** Runs valkey-cli against a node and returns its output. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("valkey-cli", [
    "-h",
    HOST,
    "-p",
    String(port),
    ...cliTlsArgs(port),
    ...args,
  ]);
  return stdout;
}

/** Polls `check` every `everyMs` until it is true; throws `describe()` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(describe());
    await sleep(everyMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A set of servers and the directory holding their files. */
export interface ValkeyDeployment {
  nodes: ValkeyNode[];
  dir: string;
  /** The CA and certificate the servers use, when they were started with TLS. */
  tls: TlsFiles | undefined;
  stop(): Promise<void>;
}

/** A test CA and a server certificate signed by it (for 127.0.0.1 and localhost), as PEM files. */
export interface TlsFiles {
  caCertFile: string;
  certFile: string;
  keyFile: string;
  /** The CA certificate itself (PEM): what a client must trust. */
  caCert: string;
}

/** How to start servers. */
export interface StartOptions {
  /**
   * Leave every setting at the server's default except ports, directories,
   * `cluster-enabled`, `cluster-config-file` and `cluster-node-timeout`
   * (cluster) — as a new user would run it. Default `false`: the harness's
   * own settings (no RDB snapshots; for clusters, partial coverage allowed).
   */
  serverDefaults?: boolean;
  /** Serve TLS only (`--port 0`), with a CA and certificate made by `openssl` in the deployment's directory. */
  tls?: boolean;
  /** The clusters' `cluster-node-timeout` in milliseconds. Default 1000. */
  clusterNodeTimeout?: number;
}

/**
 * Makes a CA and a server certificate (SAN IP:127.0.0.1, DNS:localhost)
 * with `openssl` in `dir`. Nothing is committed: every run makes its own.
 */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const path = (name: string) => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await run("openssl", [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    path("ca.key"),
    "-out",
    path("ca.crt"),
    "-days",
    "2",
    "-subj",
    "/CN=connect-valkey test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await run("openssl", [
    "req",
    ...ec,
    "-keyout",
    path("server.key"),
    "-out",
    path("server.csr"),
    "-subj",
    "/CN=localhost",
  ]);
  writeFileSync(
    path("server.ext"),
    [
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      "",
    ].join("\n"),
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    path("server.csr"),
    "-CA",
    path("ca.crt"),
    "-CAkey",
    path("ca.key"),
    "-CAcreateserial",
    "-out",
    path("server.crt"),
    "-days",
    "2",
    "-extfile",
    path("server.ext"),
  ]);
  return {
    caCertFile: path("ca.crt"),
    certFile: path("server.crt"),
    keyFile: path("server.key"),
    caCert: readFileSync(path("ca.crt"), "utf8"),
  };
}

/**
 * Each server gets a directory of its own: replicas write the RDB they
 * receive to their directory and load it, so servers sharing one directory
 * could load each other's data. With `serverDefaults`, only the port, the
 * directory and the log file are set; with `tls`, the node serves TLS only.
 */
function baseArgs(
  port: number,
  dir: string,
  extra: string[],
  options: StartOptions,
  tls: TlsFiles | undefined,
): string[] {
  const own = join(dir, String(port));
  mkdirSync(own, { recursive: true });
  const ports = tls === undefined ? ["--port", String(port)] : [
    "--port",
    "0",
    "--tls-port",
    String(port),
    "--tls-cert-file",
    tls.certFile,
    "--tls-key-file",
    tls.keyFile,
    "--tls-ca-cert-file",
    tls.caCertFile,
    "--tls-auth-clients",
    "no",
  ];
  const harness = options.serverDefaults
    ? []
    : ["--save", "", "--appendonly", "no", "--protected-mode", "yes"];
  return [
    ...ports,
    "--bind",
    HOST,
    "--dir",
    own,
    ...harness,
    "--loglevel",
    process.env.VALKEY_LOGLEVEL ?? "warning",
    "--logfile",
    join(own, "valkey.log"),
    ...extra,
  ];
}

function deployment(
  nodes: ValkeyNode[],
  dir: string,
  tls: TlsFiles | undefined,
): ValkeyDeployment {
  if (tls !== undefined) { for (const node of nodes) tlsByPort.set(node.port, tls); }
  return {
    nodes,
    dir,
    tls,
    async stop() {
      await Promise.all(nodes.map((node) => stopProcess(node, "SIGKILL")));
      for (const node of nodes) tlsByPort.delete(node.port);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts one standalone valkey-server; `extra` adds config such as `--appendonly yes`. */
export async function startStandalone(
  extra: string[] = [],
  options: StartOptions = {},
): Promise<ValkeyDeployment> {
  const dir = mkdtempSync(join(tmpdir(), "connect-valkey-"));
  const tls = options.tls ? await makeTlsFiles(dir) : undefined;
  const port = await freePort();
  const node: ValkeyNode = {
    host: HOST,
    port,
    process: undefined,
    args: baseArgs(port, dir, extra, options, tls),
  };
  const server = deployment([node], dir, tls);
  try {
    await startProcess(node);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * Starts a cluster of 3 primaries with `replicas` replicas each, waits until
 * every node reports `cluster_state:ok` and every replica is in sync.
 *
 * Without `serverDefaults`, the harness's settings apply: a replica may be
 * promoted however stale (`cluster-replica-validity-factor 0`), healthy
 * shards keep serving while one has no primary
 * (`cluster-require-full-coverage no`).
 */
export async function startCluster(
  replicas = 0,
  options: StartOptions = {},
): Promise<ValkeyDeployment> {
  const dir = mkdtempSync(join(tmpdir(), "connect-valkey-cluster-"));
  const tls = options.tls ? await makeTlsFiles(dir) : undefined;
  const nodes: ValkeyNode[] = [];
  const total = 3 * (1 + replicas);
  const settings = options.serverDefaults ? [] : [
    "--cluster-replica-validity-factor",
    "0",
    "--cluster-require-full-coverage",
    "no",
    "--cluster-allow-reads-when-down",
    "no",
  ];
  const tlsCluster = tls === undefined ? [] : ["--tls-cluster", "yes", "--tls-replication", "yes"];
  for (let i = 0; i < total; i++) {
    const port = await freePort(true);
    if (nodes.some((node) => node.port === port)) {
      i--;
      continue;
    }
    nodes.push({
      host: HOST,
      port,
      process: undefined,
      args: baseArgs(
        port,
        dir,
        [
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout",
          String(options.clusterNodeTimeout ?? 1000),
          ...settings,
          ...tlsCluster,
        ],
        options,
        tls,
      ),
    });
  }
  const cluster = deployment(nodes, dir, tls);
  try {
    await Promise.all(nodes.map(startProcess));
    await run("valkey-cli", [
      ...cliTlsArgs(nodes[0]!.port),
      "--cluster",
      "create",
      ...nodes.map((node) => `${HOST}:${node.port}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    await waitForClusterOk(nodes, replicas);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Waits until every node sees a healthy cluster with all replicas linked. */
export async function waitForClusterOk(
  nodes: ValkeyNode[],
  replicas: number,
  timeoutMs = 30_000,
): Promise<void> {
  let infos: string[] = [];
  const ready = async () => {
    infos = await Promise.all(
      nodes.filter((node) => node.process !== undefined).map((node) =>
        cli(node.port, "cluster", "info")
      ),
    );
    const ok = infos.every((info) =>
      info.includes("cluster_state:ok") && info.includes("cluster_known_nodes:" + nodes.length)
    );
    return ok && (replicas === 0 || (await replicasInSync(nodes, replicas)));
  };
  await waitUntil(ready, timeoutMs, () => `cluster not ready: ${infos.join(" | ")}`, 100);
}

/**
 * True when every primary serving slots has `replicas` replicas online
 * whose replication offset has caught up. Right after `--cluster create`
 * some replicas have not even switched role yet, so counting the nodes
 * that already say "role:slave" is not enough.
 */
async function replicasInSync(nodes: ValkeyNode[], replicas: number): Promise<boolean> {
  let primaries = 0;
  for (const node of nodes) {
    if (node.process === undefined) continue;
    const info = await cli(node.port, "info", "replication");
    if (!info.includes("role:master")) continue;
    const slots = await cli(node.port, "cluster", "nodes");
    const myself = slots.split("\n").find((line) => line.includes("myself"));
    if (myself === undefined || myself.trim().split(" ").length <= 8) continue;
    primaries++;
    const offset = /master_repl_offset:(\d+)/.exec(info)?.[1];
    const online = [...info.matchAll(/slave\d+:.*state=online,offset=(\d+)/g)];
    if (online.length < replicas || online.some((match) => match[1] !== offset)) return false;
  }
  return primaries === 3;
}

/** Waits until every replica holds exactly what its primary holds (offsets and key counts). */
export function waitForReplicasInSync(
  nodes: ValkeyNode[],
  replicas: number,
  timeoutMs = 20_000,
): Promise<void> {
  return waitUntil(
    () => replicasInSync(nodes, replicas),
    timeoutMs,
    () => `replicas not in sync after ${timeoutMs} ms`,
  );
}
