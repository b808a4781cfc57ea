// Node flags for the worker threads this package starts. A worker inherits its process's execArgv, and one flag there
// breaks ours: --input-type (as in `node --input-type=module -e ...`) makes a worker refuse a module file, and parses
// eval'd source as an ES module, where the GEMM pool's `require` does not exist (its start then timed out and every
// large product ran on one thread). Safe where there is no process (a browser): no flags.
export function workerExecArgv(): string[] {
  const argv = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
  return argv.filter((a) => !a.startsWith('--input-type'));
}
