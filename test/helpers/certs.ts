import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/**
 * Certificates made at test time with the openssl CLI (never committed): a CA, and leaf
 * certificates it signs for servers (SAN 127.0.0.1/localhost) or clients (with an optional SAN URI).
 */
export function makeCa(dir: string, name: string, days = 30): CertFiles {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { stdio: 'ignore' });
  return { cert, key };
}

export function makeLeaf(dir: string, name: string, ca: CertFiles, options: { server?: boolean; sanUri?: string; days?: number } = {}): CertFiles {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.crt`);
  const ext = path.join(dir, `${name}.ext`);
  const san = options.server === false
    ? (options.sanUri === undefined ? '' : `subjectAltName=URI:${options.sanUri}\n`)
    : 'subjectAltName=IP:127.0.0.1,DNS:localhost\n';
  writeFileSync(ext, `${san}extendedKeyUsage=${options.server === false ? 'clientAuth' : 'serverAuth'}\n`);
  execFileSync('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', String(options.days ?? 30), '-extfile', ext], { stdio: 'ignore' });
  return { cert, key };
}
