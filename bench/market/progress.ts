/** Progress lines on stderr, so stdout stays clean for anyone piping the JSON. */
const t0 = Date.now();
export function progress(msg: string): void {
  process.stderr.write(`[bench:market +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}
