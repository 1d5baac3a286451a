import path from 'node:path';
import type { Threat, ThreatModel } from '../types.js';
import { STATUS_WORD, owaspWord, placeOf, riskWord, scanCommand, strideWord } from './words.js';

/**
 * The report for people: operations by remaining risk, then each threat with the facts it comes
 * from, what the gateway does about it and what tests it. Text from the spec is escaped: a
 * description carrying HTML or Markdown renders as the characters it is, wherever this is shown.
 */
export function formatMarkdown(model: ThreatModel, cwd: string): string {
  const rel = (file: string): string => (path.isAbsolute(file) ? path.relative(cwd, file) || file : file);
  const out: string[] = [];
  out.push(`# Threat model: ${md(model.spec.title || rel(model.spec.file))}${model.spec.version === '' ? '' : ` ${md(model.spec.version)}`}`, '');
  out.push(`- Spec: ${md(rel(model.spec.file))} (OpenAPI ${md(model.spec.openapi)})`);
  out.push(model.gateway === undefined
    ? '- Gateway config: none given, so no threat counts as mitigated (pass `--gateway-config FILE`)'
    : `- Gateway config: ${md(rel(model.gateway.file))} (API ${model.gateway.apis.map(md).join(', ')})`);
  const t = model.totals;
  out.push(`- ${t.threats} threat(s): ${t.mitigated} mitigated, ${t.partial} partly mitigated, ${t.unmitigated} unmitigated; remaining risk ${riskWord(t.risk)}`, '');
  out.push('## Where to look first', '', '| # | operation | remaining risk | threats | unmitigated |', '| --- | --- | --- | --- | --- |');
  model.operations.forEach((o, i) => {
    const open = o.threats.filter((x) => x.mitigation.status === 'none').length;
    out.push(`| ${i + 1} | ${md(`${o.method} ${o.path}`)}${o.id === `${o.method} ${o.path}` ? '' : ` (${md(o.id)})`} | ${riskWord(o.risk)} | ${o.threats.length} | ${open} |`);
  });
  out.push('');
  if (model.document.length > 0) {
    out.push('## The whole API', '');
    for (const threat of model.document) out.push(...threatLines(threat, rel, undefined));
  }
  for (const o of model.operations) {
    out.push(`## ${md(`${o.method} ${o.path}`)}${o.id === `${o.method} ${o.path}` ? '' : ` (${md(o.id)})`}: remaining risk ${riskWord(o.risk)}`, '');
    if (o.summary !== undefined) out.push(`${md(o.summary)}`, '');
    if (o.threats.length === 0) out.push('No threat derived from what the spec says about this operation.', '');
    for (const threat of o.threats) out.push(...threatLines(threat, rel, o.id));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function threatLines(t: Threat, rel: (f: string) => string, operation: string | undefined): string[] {
  const lines = [`### ${t.severity.toUpperCase()} ${strideWord(t)}: ${md(t.title)}`, ''];
  lines.push(`- ${t.id}, ${owaspWord(t)}; remaining risk ${riskWord(t.risk)}`);
  lines.push('- Because the spec says:');
  for (const e of t.because) lines.push(`  - ${code(placeOf(e, rel))}: ${md(e.says)}`);
  const m = t.mitigation;
  lines.push(`- Gateway: **${STATUS_WORD[m.status]}**${m.gap === undefined ? '' : `: ${md(m.gap)}`}`);
  for (const ref of m.by) lines.push(`  - ${code(placeOf(ref, rel))}: ${md(ref.does)}`);
  lines.push(`- Would mitigate: ${md(t.remedy)}`);
  const audit = t.auditRules.length === 0 ? 'no `gatehouse audit` rule'
    : `\`gatehouse audit\` ${t.auditRules.join(', ')} (${t.auditFindings.length > 0 ? `raised here: ${t.auditFindings.map((f) => `${f.ruleId}${f.line === undefined ? '' : ` line ${f.line}`}`).join(', ')}` : 'none raised here'})`;
  const scan = t.scanChecks.length === 0 ? 'no `gatehouse scan` check' : code(scanCommand(t, operation));
  lines.push(`- Tested by: ${audit}; ${scan}`, '');
  return lines;
}

/** A code span around any text: backticks inside become a longer fence (CommonMark 6.1). */
function code(text: string): string {
  const flat = text.replace(/[\r\n\u2028\u2029]+/g, ' ').replaceAll('|', '\\|');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return longest === 0 ? `${fence}${flat}${fence}` : `${fence} ${flat} ${fence}`;
}

/**
 * Escapes text for Markdown, keeping `code spans` (whose content Markdown never interprets, and
 * whose pipes are escaped for tables). Line breaks become spaces: one fact, one line.
 */
export function md(text: string): string {
  const flat = text.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return flat.split(/(`[^`]*`)/).map((part, i) => {
    if (i % 2 === 1) return part.replaceAll('|', '\\|');
    return part.replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);
  }).join('');
}
