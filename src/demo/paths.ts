import { fileURLToPath } from 'node:url';

/** The demo's files ship in examples/demo, two levels up from both src/demo and dist/src/demo. */
export function demoFile(name: string): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = here.includes('/dist/') ? new URL('../../../', import.meta.url) : new URL('../../', import.meta.url);
  return fileURLToPath(new URL(`examples/demo/${name}`, root));
}
