import type { ScanReport, Severity } from '../types.js';
import { SEVERITIES } from '../types.js';
import { formatHtml } from './html.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export function formatReport(report: ScanReport, format: Format, options: { color?: boolean; cwd?: string } = {}): string {
  switch (format) {
    case 'json': return formatJson(report);
    case 'sarif': return formatSarif(report, options.cwd);
    case 'junit': return formatJunit(report);
    case 'html': return formatHtml(report);
    default: return formatText(report, options.color ?? false);
  }
}

/** 1 when a finding (not a warning) is at or above the gate severity. */
export function gateExitCode(report: ScanReport, failOn: Severity | 'none'): 0 | 1 {
  if (failOn === 'none') return 0;
  const min = SEVERITIES.indexOf(failOn);
  return report.findings.some((f) => f.kind === 'finding' && SEVERITIES.indexOf(f.severity) >= min) ? 1 : 0;
}

export { formatHtml, formatJson, formatJunit, formatSarif, formatText };
