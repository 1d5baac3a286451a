import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GatehouseConfig } from '../config/types.js';

export interface CertificateInfo {
  readonly use: 'listener' | 'client-ca' | 'upstream-ca' | 'upstream-client';
  readonly file: string;
  readonly subject: string;
  readonly notAfter: Date;
  readonly daysLeft: number;
}

/** Every certificate in every PEM bundle the config names, with its days to expiry. */
export function certificatesInUse(config: GatehouseConfig, now = Date.now()): CertificateInfo[] {
  const out: CertificateInfo[] = [];
  const add = (use: CertificateInfo['use'], file: string | undefined): void => {
    if (file === undefined) return;
    for (const cert of readBundle(file)) {
      const notAfter = new Date(cert.validTo);
      out.push({ use, file, subject: cert.subject.replaceAll('\n', ', '), notAfter, daysLeft: Math.floor((notAfter.getTime() - now) / 86_400_000) });
    }
  };
  add('listener', config.listen.https?.cert);
  add('client-ca', config.listen.https?.clientCa);
  add('listener', config.admin.tls?.cert);
  add('client-ca', config.admin.auth?.clientCa);
  for (const api of config.apis) {
    add('upstream-ca', api.upstream.tls?.ca);
    add('upstream-client', api.upstream.tls?.cert);
  }
  return out;
}

function readBundle(file: string): X509Certificate[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch {
      // A malformed block is reported by TLS itself when the listener loads it.
    }
  }
  return certs;
}
