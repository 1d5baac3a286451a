import { storeReport, type StoredReport } from '../reports/stored.js';
import { openForWrite, UsageError, type Opened } from './common.js';

/**
 * `--store` on audit and scan: the config's store is opened before the run, so a config or a
 * store that cannot be used stops the command before a scan spends its budget on the target.
 * Gives the opened store, or the message to print (a usage error, exit code 2).
 */
export async function openReportStore(configFile: string): Promise<Opened | string> {
  try {
    return await openForWrite(configFile, 'a report', ['store']);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    // openConfig says "the store does not answer" as a plain Error; a driver may throw its own.
    return `${configFile}: cannot open the store (${(error as Error).message})`;
  }
}

/**
 * Writes the report and closes the store. Never rejects: the line it gives says where the report
 * went, or why it could not be kept (then `stored` is false and the command exits 1, the report
 * itself already printed).
 */
export async function keepReport(opened: Opened, report: StoredReport, configFile: string): Promise<{ stored: boolean; line: string }> {
  try {
    await storeReport(opened.store.records, report);
    return { stored: true, line: `stored report ${report.id} (${report.total} finding(s)) in the store of ${configFile}\n` };
  } catch (error) {
    return { stored: false, line: `--store: the report could not be kept in the store of ${configFile} (${(error as Error).message})\n` };
  } finally {
    await opened.close().catch(() => undefined);
  }
}
