import type { RawProblem } from '../../config/problem.js';
import { isExplicit, selectorProblems, selects, type ConfigPath, type SpecOperations } from '../scopes/selector.js';
import type { ObjectAuthConfig } from './config.js';
import { locate } from './policy.js';

/**
 * Load-time checks of object-level rules. A rule that names operations must find its parameter
 * in each of them: otherwise that operation would be served with no ownership check at all. A
 * rule without a selector applies wherever its parameter is declared, so it must be declared
 * somewhere (a typo such as `userID` for `userId` would protect nothing).
 */
export function objectAuthProblems(ops: SpecOperations, settings: ObjectAuthConfig, at: ConfigPath): RawProblem[] {
  if (settings.mode === 'off') return [];
  const problems: RawProblem[] = [];
  settings.rules.forEach((rule, i) => {
    const here = [...at, 'rules', i];
    const param = rule.param;
    if (param.in === 'any' && param.path.length > 1) {
      problems.push({ path: [...here, 'param'], message: `"${param.path.join('.')}" is a field path: write body.${param.path.join('.')} for a body field (a bare name is a path or query parameter)` });
      return;
    }
    const label = `${param.in === 'any' ? '' : `${param.in}.`}${param.path.join('.')}`;
    const where = param.in === 'body' ? 'request body' : param.in === 'any' ? `path or query parameter "${param.name}"` : `${param.in} parameter "${param.name}"`;
    if (isExplicit(rule)) {
      const found = selectorProblems(ops, rule, here);
      problems.push(...found);
      if (found.length > 0) return;
      for (const op of ops.operations) {
        if (selects(rule, op) && locate(param, op) === undefined) {
          problems.push({ path: [...here, 'param'], message: `${op.id} has no ${where}, so ${label} cannot be checked there and the operation would be served without an ownership check (narrow the rule's selector if it needs none)` });
        }
      }
    } else if (!ops.operations.some((op) => locate(param, op) !== undefined)) {
      problems.push({ path: [...here, 'param'], message: `no operation of ${ops.file} has a ${where}: the rule would protect nothing` });
    }
  });
  return problems;
}
