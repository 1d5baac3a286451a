import { loadSpec, type LoadedSpec } from '../openapi/index.js';

/** The audit reads documents with the shared loader, like the gateway, scanner and inventory. */
export function loadForAudit(file: string): Promise<LoadedSpec> {
  return loadSpec(file);
}
