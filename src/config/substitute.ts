/**
 * `${NAME}` and `${NAME:-default}` in string values are replaced from the environment before
 * validation. `${secret:name}` is left for the secrets resolver. `$${...}` escapes a literal: it
 * becomes ESCAPED_OPEN here, so no later pass reads it as a reference, and `${` at the very end.
 * An unset variable without a default is an error at its path: a missing credential must not
 * silently become an empty string.
 */
export interface SubstitutionProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Stands for a literal `${` between substitution and the end of loading. */
export const ESCAPED_OPEN = '\u0000{';

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: SubstitutionProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, problems, path);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, problems, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, problems, [...path, k]);
    return out;
  }
  return value;
}

/** Turns escaped `$${` back into a literal `${` once every substitution has run. */
export function unescapeLiterals(value: unknown): unknown {
  if (typeof value === 'string') return value.includes(ESCAPED_OPEN) ? value.replaceAll(ESCAPED_OPEN, '${') : value;
  if (Array.isArray(value)) return value.map(unescapeLiterals);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unescapeLiterals(v);
    return out;
  }
  return value;
}

function substituteString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: SubstitutionProblem[],
  path: (string | number)[],
): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return ESCAPED_OPEN;
    const found = env[name as string];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)` });
    return '';
  });
}
