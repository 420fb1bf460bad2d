/**
 * Starts real valkey-server processes on free loopback ports for a test
 * suite, and stops exactly those processes afterwards.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
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

/** Runs valkey-cli against a node and returns its output. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("valkey-cli", ["-h", HOST, "-p", String(port), ...args]);
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
  stop(): Promise<void>;
}

/**
 * Each server gets a directory of its own: replicas write the RDB they
 * receive to their directory and load it, so servers sharing one directory
 * could load each other's data.
 */
function baseArgs(port: number, dir: string, extra: string[]): string[] {
  const own = join(dir, String(port));
  mkdirSync(own, { recursive: true });
  return [
    "--port",
    String(port),
    "--bind",
    HOST,
    "--dir",
    own,
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "yes",
    "--loglevel",
    process.env.VALKEY_LOGLEVEL ?? "warning",
    "--logfile",
    join(own, "valkey.log"),
    ...extra,
  ];
}

function deployment(nodes: ValkeyNode[], dir: string): ValkeyDeployment {
  return {
    nodes,
    dir,
    async stop() {
      await Promise.all(nodes.map((node) => stopProcess(node, "SIGKILL")));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts one standalone valkey-server; `extra` adds config such as `--appendonly yes`. */
export async function startStandalone(extra: string[] = []): Promise<ValkeyDeployment> {
  const dir = mkdtempSync(join(tmpdir(), "connect-valkey-"));
  const port = await freePort();
  const node: ValkeyNode = {
    host: HOST,
    port,
    process: undefined,
    args: baseArgs(port, dir, extra),
  };
  await startProcess(node);
  return deployment([node], dir);
}

/**
 * Starts a cluster of 3 primaries with `replicas` replicas each, waits until
 * every node reports `cluster_state:ok` and every replica is in sync.
 */
export async function startCluster(replicas = 0): Promise<ValkeyDeployment> {
  const dir = mkdtempSync(join(tmpdir(), "connect-valkey-cluster-"));
  const nodes: ValkeyNode[] = [];
  const total = 3 * (1 + replicas);
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
      args: baseArgs(port, dir, [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        "1000",
        "--cluster-replica-validity-factor",
        "0",
        "--cluster-require-full-coverage",
        "no",
        "--cluster-allow-reads-when-down",
        "no",
      ]),
    });
  }
  const cluster = deployment(nodes, dir);
  try {
    await Promise.all(nodes.map(startProcess));
    await run("valkey-cli", [
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
