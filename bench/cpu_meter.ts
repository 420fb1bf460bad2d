/**
 * CPU spent over a measurement window, on both sides of the wire: this
 * process (`process.cpuUsage()`, user + system, which includes GLIDE's Rust
 * threads and node-redis alike) and the valkey-server (`INFO cpu`,
 * used_cpu_user + used_cpu_sys, all of its threads).
 *
 * @module
 */
import { GlideClient } from "@valkey/valkey-glide";

/** CPU seconds used so far, app and Valkey. */
export interface CpuReading {
  appUs: number;
  valkeyUs: number;
}

/** Reads both CPU counters through a GLIDE client of its own (idle during a window). */
export class CpuMeter {
  readonly #client: GlideClient;

  private constructor(client: GlideClient) {
    this.#client = client;
  }

  /** A meter for the valkey-server on `port`. */
  static async open(port: number): Promise<CpuMeter> {
    return new CpuMeter(
      await GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] }),
    );
  }

  /** Both counters now. */
  async read(): Promise<CpuReading> {
    const info = String(await this.#client.customCommand(["INFO", "cpu"]));
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1]);
    const valkeyUs = (field("used_cpu_user") + field("used_cpu_sys")) * 1e6;
    const { user, system } = process.cpuUsage();
    return { appUs: user + system, valkeyUs };
  }

  /** Closes the meter's client. */
  close(): void {
    this.#client.close();
  }
}
