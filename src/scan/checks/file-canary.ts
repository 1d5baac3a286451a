/**
 * Files whose content proves a read: the system files every Unix and Windows host has (their
 * content has a recognisable shape), and a canary file the scan writes itself with a token of its
 * own — proof that does not depend on what the target's host holds, observable when the target
 * runs on this machine (local and CI scans), like the SSRF canary.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KnownFile {
  readonly label: string;
  /** Absolute path on the target's host. */
  readonly path: string;
  readonly windows: boolean;
  /** Whether a response body shows this file's content. */
  seen(body: string): string | undefined;
}

const PASSWD = /root:[^:\r\n]*:0:0:[^\r\n]*/;
const WIN_INI = /\[(fonts|extensions|mci extensions)\]/i;

export const SYSTEM_FILES: readonly KnownFile[] = [
  { label: '/etc/passwd', path: '/etc/passwd', windows: false, seen: (b) => PASSWD.exec(b)?.[0] },
  { label: 'C:\\Windows\\win.ini', path: 'C:\\Windows\\win.ini', windows: true, seen: (b) => WIN_INI.exec(b)?.[0] },
];

export interface FileCanary extends KnownFile {
  readonly token: string;
  close(): Promise<void>;
}

export async function writeFileCanary(): Promise<FileCanary> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-scan-'));
  const token = `ghfile${randomBytes(8).toString('hex')}`;
  const path = join(dir, 'canary.txt');
  await writeFile(path, `${token}\n`);
  return {
    label: 'a canary file the scan wrote', path, token, windows: process.platform === 'win32',
    seen: (b) => (b.includes(token) ? token : undefined),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The same path reached from any working directory: enough `../` to climb to the root, then the path. */
export function climb(path: string, windows: boolean, depth = 10): string {
  const up = windows ? '..\\' : '../';
  const rel = windows ? path.replace(/^[A-Za-z]:\\/, '') : path.replace(/^\/+/, '');
  return `${up.repeat(depth)}${rel}`;
}
