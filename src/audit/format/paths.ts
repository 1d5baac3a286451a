import path from 'node:path';

/** A path relative to `cwd` with forward slashes, as SARIF and CI annotations expect. */
export function relativeFile(file: string, cwd: string): string {
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  return rel.split(path.sep).join('/');
}
