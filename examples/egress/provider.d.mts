import type { IncomingHttpHeaders } from 'node:http';

export interface FakeProvider {
  readonly url: string;
  readonly port: number;
  readonly requests: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export function startProvider(options?: { port?: number; host?: string }): Promise<FakeProvider>;
