import { connect } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Everything the server sent, for requests that got more than one answer. */
  readonly text: string;
}

/**
 * Writes raw bytes to the gateway (no client library normalises them) and reads until the
 * server closes or `waitMs` passes. Answers with the first response's status line and headers.
 */
export function sendRaw(url: string, raw: string | Buffer, waitMs = 1500): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw));
    const chunks: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end === -1 ? text : text.slice(0, end);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? NaN);
      const rest = end === -1 ? '' : text.slice(end + 4);
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: Number.isNaN(length) ? rest : rest.slice(0, length), text });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', finish);
    socket.on('error', (error) => (chunks.length > 0 ? finish() : reject(error)));
  });
}
