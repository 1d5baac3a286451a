/** Public API of the threat model (`gatehouse threat-model`). */
export { buildThreatModel, SpecNotServedError, type ModelOptions } from './model.js';
export { formatJson } from './format/json.js';
export { formatMarkdown } from './format/markdown.js';
export { formatHtml } from './format/html.js';
export * from './types.js';
