// autocannon ships no types; this declares the part the benchmark uses.
declare module "autocannon" {
  export interface Options {
    url: string;
    connections: number;
    duration: number;
    requests: Array<
      {
        method: string;
        path: string;
        setupRequest?: (request: { headers?: Record<string, string> }) => unknown;
      }
    >;
  }
  export interface Result {
    requests: { average: number; total: number };
    /** Seconds the run lasted. */
    duration: number;
    errors: number;
    non2xx: number;
  }
  function autocannon(
    options: Options,
    callback: (error: unknown, result: Result) => void,
  ): unknown;
  export default autocannon;
}
