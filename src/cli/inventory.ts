import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { exportSpec } from '../inventory/export-spec.js';
import { formatInventory, type InventoryFormat } from '../inventory/format.js';
import { createMatcher, ingestHar, ingestNginx, type IngestResult } from '../inventory/ingest.js';
import { buildInventory, type InventoryReport } from '../inventory/report.js';
import { INVENTORY_STREAM, readRows } from '../inventory/rows.js';
import { guarded, openConfig, sinceOf, usage, UsageError, writeOutput } from './common.js';

/** `gatehouse inventory`: declared vs observed, from what the gateway (or `ingest`) recorded. */
export async function inventoryReport(configFile: string, options: { since?: string } = {}): Promise<InventoryReport> {
  const opened = await openConfig(configFile, { sections: ['store', 'apis'] });
  try {
    const rows = await readRows(opened.store.records, sinceOf(options.since));
    return buildInventory({ apis: opened.apis, rows });
  } finally {
    await opened.close();
  }
}

export async function exportObservedSpec(configFile: string, options: { api?: string; shadowOnly?: boolean; since?: string } = {}): Promise<Record<string, unknown>> {
  const opened = await openConfig(configFile, { sections: ['store'] });
  try {
    const rows = await readRows(opened.store.records, sinceOf(options.since));
    return exportSpec(rows, { ...(options.api === undefined ? {} : { api: options.api }), shadowOnly: options.shadowOnly === true });
  } finally {
    await opened.close();
  }
}

/** Passive mode: parses NGINX combined logs or HAR files and stores their rows as the gateway would. */
export async function ingestFiles(configFile: string, files: readonly string[], format: 'auto' | 'nginx' | 'har' = 'auto'): Promise<{ file: string; result: IngestResult }[]> {
  const opened = await openConfig(configFile, { sections: ['store', 'apis'] });
  try {
    const match = createMatcher(opened.apis);
    const out: { file: string; result: IngestResult }[] = [];
    for (const file of files) {
      let text: string;
      try { text = await readFile(file, 'utf8'); } catch (error) {
        throw new UsageError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      const kind = format !== 'auto' ? format : file.toLowerCase().endsWith('.har') || text.trimStart().startsWith('{') ? 'har' : 'nginx';
      const result = kind === 'har' ? ingestHar(text, match, { client: `har:${path.basename(file)}` }) : ingestNginx(text, match);
      if (result.rows.length > 0) await opened.store.records.appendMany(INVENTORY_STREAM, result.rows);
      out.push({ file, result });
    }
    return out;
  } finally {
    await opened.close();
  }
}

const FORMATS = ['text', 'json', 'csv'];

export function registerInventory(program: Command): void {
  const inventory = program
    .command('inventory')
    .description('declared vs observed operations: shadow, zombie and unused APIs, drift, sensitive fields, owners')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('-f, --format <format>', 'text, json or csv', 'text')
    .option('--since <duration>', 'only traffic recorded in this last span (24h, 7d)')
    .action(async (options: { config: string; format: string; since?: string }) => {
      if (!FORMATS.includes(options.format)) return usage(`--format must be one of ${FORMATS.join(', ')}`);
      await guarded(async () => {
        const report = await inventoryReport(options.config, options.since === undefined ? {} : { since: options.since });
        process.stdout.write(formatInventory(report, options.format as InventoryFormat));
      });
    });
  inventory
    .command('export-spec')
    .description('write an OpenAPI 3.1 document reconstructed from observed traffic, for a team to review and adopt')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('--api <name>', 'only this API')
    .option('--shadow-only', 'only operations no spec declares')
    .option('--since <duration>', 'only traffic recorded in this last span')
    .option('-o, --out <file>', 'write here (.json or .yaml) instead of stdout (YAML)')
    .action(async (options: { config: string; api?: string; shadowOnly?: boolean; since?: string; out?: string }) => {
      await guarded(async () => {
        const doc = await exportObservedSpec(options.config, {
          ...(options.api === undefined ? {} : { api: options.api }), shadowOnly: options.shadowOnly === true, ...(options.since === undefined ? {} : { since: options.since }),
        });
        const text = options.out?.endsWith('.json') === true ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc);
        if (options.out === undefined) process.stdout.write(text);
        else await writeOutput('--out', options.out, text);
      });
    });
  inventory
    .command('ingest')
    .description('passive mode: add NGINX combined access logs or HAR files to the inventory')
    .argument('<files...>', 'access logs (NGINX combined) or .har files')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('--log-format <format>', 'auto, nginx or har', 'auto')
    .action(async (files: string[], options: { config: string; logFormat: string }) => {
      if (!['auto', 'nginx', 'har'].includes(options.logFormat)) return usage('--log-format must be auto, nginx or har');
      await guarded(async () => {
        const results = await ingestFiles(options.config, files, options.logFormat as 'auto' | 'nginx' | 'har');
        for (const { file, result } of results) {
          process.stdout.write(`${file}: ${result.lines} request(s), ${result.rows.length} operation row(s) stored, ${result.skippedCount} skipped\n`);
          for (const s of result.skipped) process.stderr.write(`  ${file}: ${s}\n`);
        }
        if (results.some((r) => r.result.skippedCount > 0 && r.result.rows.length === 0)) process.exitCode = 1;
      });
    });
}
