/**
 * The problem type every config section reports through. A leaf module on purpose: each
 * section's `config.ts` reports problems, and `validate.ts` reaches those same sections' schemas
 * through `schema.ts`; were the type defined there, config validation would import itself.
 */

/** A config problem before it is given a line: `path` is the list of keys down to the node. */
export interface RawProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** `['apis', 0, 'upstream', 'url']` -> `apis[0].upstream.url`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}
