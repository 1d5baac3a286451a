import type { ThreatModel } from '../types.js';

/** The model as it is: stable ids, pointers and config paths for CI and other tools. */
export function formatJson(model: ThreatModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
