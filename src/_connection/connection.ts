/**
 * The connection layer behind the store: one small API over the pipeline,
 * the per-primary lanes, the retry schedule and the scans.
 *
 * - {@link Connection.send}: one command, pipelined, resent as `retry.ts` says;
 * - {@link Connection.sendTogether}: a call's commands in one batch,
 *   admitted or refused whole, a failed one then resent on its own;
 * - {@link Connection.keyPages}: the keys under a pattern, page by page, on
 *   every primary of a cluster.
 *
 * @module
 */
import { type GlideClient, GlideClusterClient, type GlideReturnType } from "@valkey/valkey-glide";
import { scanKeyPages } from "./key_scan.ts";
import { CommandPipeline } from "./pipeline.ts";
import { sendWithRetries } from "./retry.ts";
import { evalForm, scriptBodies } from "./script.ts";

/** What the connection reads of the store's options. */
export interface ConnectionOptions {
  clusterDownWait: number;
  scanReshardWait: number;
  scanCount: number;
}

/**
 * True for a cluster client. Falls back to a method only cluster clients
 * have, so a client from another copy of the GLIDE package is recognised.
 */
export function isClusterClient(client: object): boolean {
  if (client instanceof GlideClusterClient) return true;
  return typeof (client as { fcallWithRoute?: unknown }).fcallWithRoute === "function";
}

/** Sends the store's commands to Valkey. */
export class Connection {
  /** True when the client is a `GlideClusterClient`. */
  readonly cluster: boolean;
  readonly #client: GlideClient | GlideClusterClient;
  readonly #pipeline: CommandPipeline;
  readonly #options: ConnectionOptions;
  readonly #send = (args: string[]): Promise<GlideReturnType> => this.#pipeline.send(args);
  /** Set once the scripts were offered to the server(s): see {@link Connection.send}. */
  #scriptsLoaded: Promise<void> | undefined;

  constructor(client: GlideClient | GlideClusterClient, options: ConnectionOptions) {
    this.#client = client;
    this.cluster = isClusterClient(client);
    this.#pipeline = new CommandPipeline(client, this.cluster);
    this.#options = options;
  }

  /**
   * Sends one command; resolves with its reply. Before the first script,
   * every script is loaded (`SCRIPT LOAD`, on every primary), so EVALSHA
   * does not meet NOSCRIPT (which GLIDE logs as a WARN line) in the common
   * case; a server that lost them later still gets them through EVAL.
   */
  send(args: string[]): Promise<GlideReturnType> {
    if (args[0] === "EVALSHA" && this.#scriptsLoaded === undefined) {
      return this.#loadScripts().then(() => this.send(args));
    }
    const { clusterDownWait } = this.#options;
    return sendWithRetries(this.#send, args, this.cluster, clusterDownWait, evalForm);
  }

  #loadScripts(): Promise<void> {
    const client = this.#client;
    this.#scriptsLoaded ??= Promise.all(
      scriptBodies().map((body) => {
        const command = ["SCRIPT", "LOAD", body];
        return this.cluster
          ? (client as GlideClusterClient).customCommand(command, { route: "allPrimaries" })
          : client.customCommand(command);
      }),
    ).then(() => {}, () => {}); // not allowed or not reachable: EVAL covers it
    return this.#scriptsLoaded;
  }

  /**
   * Sends the commands of one call together, in the same batch: all are
   * admitted to the queue or the call is refused (`OVERLOADED`) before any
   * is sent. Resolves with every reply; a command that failed is resent on
   * its own as `send()` would, and the call fails if it still fails.
   */
  sendTogether(commands: string[][]): Promise<GlideReturnType[]> {
    if (this.#scriptsLoaded === undefined && commands.some((args) => args[0] === "EVALSHA")) {
      return this.#loadScripts().then(() => this.sendTogether(commands));
    }
    let sent: Promise<GlideReturnType[]>;
    try {
      sent = this.#pipeline.sendTogether(commands);
    } catch (refused) {
      return Promise.reject(refused);
    }
    return sent.then(
      (replies) =>
        replies.some((reply) => reply instanceof Error)
          ? this.#resend(
            commands,
            replies.map((reply) => reply instanceof Error ? reply : undefined),
            replies,
          )
          : replies,
      (error: unknown) => this.#resend(commands, commands.map(() => error), []),
    );
  }

  /** Resends the commands that failed (`errors[i]` set), keeping the others' replies. */
  #resend(
    commands: string[][],
    errors: unknown[],
    replies: GlideReturnType[],
  ): Promise<GlideReturnType[]> {
    const { clusterDownWait } = this.#options;
    return Promise.all(
      commands.map((args, i) =>
        errors[i] === undefined ? replies[i]! : sendWithRetries(
          this.#send,
          args,
          this.cluster,
          clusterDownWait,
          evalForm,
          Promise.reject(errors[i]),
        )
      ),
    );
  }

  /** Pages of the keys matching `pattern` (of `type` only, when given), each key once. */
  keyPages(pattern: string, type?: string): AsyncGenerator<string[]> {
    return scanKeyPages({
      client: this.#client,
      cluster: this.cluster,
      pattern,
      type,
      count: this.#options.scanCount,
      scanReshardWait: this.#options.scanReshardWait,
    });
  }
}
