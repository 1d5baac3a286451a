import type { RawProblem } from '../../config/problem.js';
import { isExplicit, selectorProblems, type ConfigPath, type SpecOperations } from '../scopes/selector.js';
import type { StepUpConfig } from './config.js';

/**
 * Load-time checks of step-up rules: a selector must name what exists, and a rule without one
 * applies to operations marked `x-gatehouse-sensitive: true`, so at least one must be.
 */
export function stepUpProblems(ops: SpecOperations, settings: StepUpConfig, at: ConfigPath): RawProblem[] {
  if (settings.mode === 'off') return [];
  return settings.rules.flatMap((rule, i) => {
    const here = [...at, 'rules', i];
    if (isExplicit(rule)) return selectorProblems(ops, rule, here);
    if (ops.operations.some((op) => op.extensions['x-gatehouse-sensitive'] === true)) return [];
    return [{ path: here, message: `names no operations, so it applies to those marked x-gatehouse-sensitive: true, and ${ops.file} marks none: the rule would protect nothing` }];
  });
}
