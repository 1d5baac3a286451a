import type { ScanReport } from '../types.js';

/** The report as JSON: the `ScanReport` shape, stable for machines. */
export function formatJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
