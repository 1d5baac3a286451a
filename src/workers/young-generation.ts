/**
 * The size of V8's young generation a gateway process runs with. Every request allocates short
 * lived objects (its context, headers, parsed body, undici's request); with Node's default
 * semi-space of 16 MiB a busy gateway scavenges several times a second, and each scavenge copies
 * the objects of every request still in flight. Measured with `npm run bench -- peers` (docs/benchmarks.md,
 * "Young generation"): 32 MiB cut a plain POST's CPU per request by about a fifth, most of it
 * in V8's helper threads, for about 30 MiB more RSS under load. V8 reads the size only when the
 * process starts, so it is a command-line flag: on the `gatehouse` launcher's #! line, in the
 * Docker image's entrypoint and `npm start`, and on the workers' fork, where a size the operator
 * gave the primary (command line or NODE_OPTIONS) is passed on instead.
 */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=32';

/** The flag, unless the process's command line or NODE_OPTIONS already sizes the young generation. */
export function youngGenerationArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const sized = (arg: string): boolean => /^--(max[-_])?semi[-_]space[-_]size(=|$)/.test(arg);
  if (execArgv.some(sized) || (nodeOptions ?? '').split(/\s+/).some(sized)) return [...execArgv];
  return [...execArgv, YOUNG_GENERATION_FLAG];
}
