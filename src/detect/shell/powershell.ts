/**
 * PowerShell one-liners that need no command separator to be recognised: download cradles and the .NET calls
 * that load or decode code. These type and member names do not occur in text, so finding one is enough.
 */
import { RULES } from '../rules.js';
import { finding, tok, type Finding } from '../types.js';
import { compileNeedles } from '../needles.js';
import { work } from '../work.js';

const NEEDLES = [
  '.downloadstring(', '.downloadfile(', '.downloaddata(', '.uploadstring(', 'net.webclient', 'frombase64string(',
  '[reflection.assembly]::load', '[system.reflection.assembly]::load', 'system.management.automation', 'invoke-expression',
  '-encodedcommand', 'iex(', 'iex (', 'start-bitstransfer', '[system.diagnostics.process]::start', 'invoke-webrequest',
  'invoke-restmethod', 'new-object io.', 'new-object system.io.', 'set-mppreference', 'add-mppreference',
];

const CRADLES = compileNeedles(NEEDLES);

/** Finds a cradle: one pass over the value for all needles. */
export function powershellCradle(value: string): Finding | undefined {
  const m = CRADLES.first(value);
  return m === undefined ? undefined : finding(RULES.shellPowerShell, m.start, m.end, [tok(value, m.start, m.end)]);
}

/** indexOf for a lower-case ASCII needle, ignoring the case of the haystack. */
export function indexOfFolded(s: string, needle: string, from = 0): number {
  const first = needle.charCodeAt(0);
  const n = needle.length;
  work.units += s.length - from;
  for (let i = from; i + n <= s.length; i++) {
    if ((s.charCodeAt(i) | (first >= 97 && first <= 122 ? 32 : 0)) !== first) continue;
    let k = 1;
    for (; k < n; k++) {
      work.units++;
      const want = needle.charCodeAt(k);
      const got = s.charCodeAt(i + k);
      if (got !== want && !(want >= 97 && want <= 122 && (got | 32) === want)) break;
    }
    if (k === n) return i;
  }
  return -1;
}
