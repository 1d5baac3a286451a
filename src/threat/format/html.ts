import path from 'node:path';
import type { Threat, ThreatModel } from '../types.js';
import { STATUS_WORD, owaspWord, placeOf, riskWord, scanCommand, strideWord } from './words.js';

/**
 * One HTML file with nothing to fetch: styles inline, no script, no image, no link out; a
 * Content-Security-Policy that forbids all of them besides, in case a value ever slipped through.
 * Every value from the spec or the config goes through `esc`.
 */
export function formatHtml(model: ThreatModel, cwd: string): string {
  const rel = (file: string): string => (path.isAbsolute(file) ? path.relative(cwd, file) || file : file);
  const title = `Threat model: ${model.spec.title || rel(model.spec.file)}${model.spec.version === '' ? '' : ` ${model.spec.version}`}`;
  const t = model.totals;
  const rows = model.operations.map((o, i) => {
    const open = o.threats.filter((x) => x.mitigation.status === 'none').length;
    return `<tr><td>${i + 1}</td><td><a href="#op-${i + 1}">${esc(`${o.method} ${o.path}`)}</a>${o.id === `${o.method} ${o.path}` ? '' : ` <span class="id">${esc(o.id)}</span>`}</td><td class="num">${riskWord(o.risk)}</td><td class="num">${o.threats.length}</td><td class="num">${open}</td></tr>`;
  }).join('\n');
  const sections = model.operations.map((o, i) => `<section id="op-${i + 1}">
<h2>${esc(`${o.method} ${o.path}`)}${o.id === `${o.method} ${o.path}` ? '' : ` <span class="id">${esc(o.id)}</span>`} <span class="risk">remaining risk ${riskWord(o.risk)}</span></h2>
${o.summary === undefined ? '' : `<p class="summary">${esc(o.summary)}</p>`}
${o.threats.length === 0 ? '<p>No threat derived from what the spec says about this operation.</p>' : o.threats.map((x) => threatHtml(x, rel, o.id)).join('\n')}
</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<ul class="meta">
<li>Spec: <code>${esc(rel(model.spec.file))}</code> (OpenAPI ${esc(model.spec.openapi)})</li>
<li>${model.gateway === undefined ? 'Gateway config: none given, so no threat counts as mitigated' : `Gateway config: <code>${esc(rel(model.gateway.file))}</code> (API ${model.gateway.apis.map(esc).join(', ')})`}</li>
<li>${t.threats} threat(s): ${t.mitigated} mitigated, ${t.partial} partly mitigated, ${t.unmitigated} unmitigated; remaining risk ${riskWord(t.risk)}</li>
</ul>
<h2>Where to look first</h2>
<table><thead><tr><th>#</th><th>operation</th><th>remaining risk</th><th>threats</th><th>unmitigated</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${model.document.length === 0 ? '' : `<section><h2>The whole API</h2>\n${model.document.map((x) => threatHtml(x, rel, undefined)).join('\n')}</section>`}
${sections}
</body>
</html>
`;
}

function threatHtml(t: Threat, rel: (f: string) => string, operation: string | undefined): string {
  const m = t.mitigation;
  const audit = t.auditRules.length === 0 ? 'no <code>gatehouse audit</code> rule'
    : `<code>gatehouse audit</code> ${esc(t.auditRules.join(', '))} (${t.auditFindings.length > 0 ? `raised here: ${t.auditFindings.map((f) => esc(`${f.ruleId}${f.line === undefined ? '' : ` line ${f.line}`}`)).join(', ')}` : 'none raised here'})`;
  return `<article class="threat ${m.status}">
<h3><span class="sev ${t.severity}">${t.severity}</span> ${esc(strideWord(t))}: ${text(t.title)}</h3>
<p class="id">${esc(t.id)} · ${esc(owaspWord(t))} · remaining risk ${riskWord(t.risk)}</p>
<p>Because the spec says:</p>
<ul>${t.because.map((e) => `<li><code>${esc(placeOf(e, rel))}</code>: ${text(e.says)}</li>`).join('')}</ul>
<p>Gateway: <strong>${esc(STATUS_WORD[m.status])}</strong>${m.gap === undefined ? '' : `: ${text(m.gap)}`}</p>
${m.by.length === 0 ? '' : `<ul>${m.by.map((r) => `<li><code>${esc(placeOf(r, rel))}</code>: ${text(r.does)}</li>`).join('')}</ul>`}
<p>Would mitigate: ${text(t.remedy)}</p>
<p>Tested by: ${audit}; ${t.scanChecks.length > 0 ? `<code>${esc(scanCommand(t, operation))}</code>` : 'no <code>gatehouse scan</code> check'}</p>
</article>`;
}

/** Escaped text in which `code spans` become <code>: the span's content is escaped like the rest. */
function text(s: string): string {
  return esc(s).replace(/`([^`]*)`/g, '<code>$1</code>');
}

/** HTML-escapes text for element content and quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' })[c] as string);
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#1d2330}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em;margin:.2em 0}
table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.25em .6em;text-align:left}.num{text-align:right}
code{background:#f2f3f7;padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
.threat{border-left:4px solid #999;padding:.4em .9em;margin:.8em 0;background:#fafbfd}
.threat.none{border-color:#c62828}.threat.partial{border-color:#ef8f00}.threat.mitigated{border-color:#2e7d32}
.threat p,.threat ul{margin:.3em 0}.id,.risk{color:#5a6170;font-size:.9em;font-weight:normal}
.sev{display:inline-block;min-width:4.5em;text-align:center;border-radius:3px;color:#fff;font-size:.8em;text-transform:uppercase;padding:0 .3em}
.sev.critical{background:#7b1fa2}.sev.high{background:#c62828}.sev.medium{background:#ef8f00}.sev.low{background:#607d8b}
`.trim();
