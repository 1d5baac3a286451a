// A minimal OTLP/HTTP (JSON) traces receiver for trying the example without a collector:
// prints one line per span it is sent. `node examples/tracing/receiver.mjs [port]` (default 4318).
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';
import { gunzipSync } from 'node:zlib';

const port = Number(process.argv[2] ?? 4318);
const kinds = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end();
      return;
    }
    let body;
    try {
      const raw = Buffer.concat(chunks);
      body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    for (const resourceSpans of body.resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          const ms = (Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6).toFixed(2);
          const status = span.attributes?.find((a) => a.key === 'http.response.status_code')?.value?.intValue;
          process.stdout.write(`trace ${span.traceId} span ${span.spanId} parent ${span.parentSpanId || '-'.padEnd(16)} ${kinds[span.kind] ?? span.kind} ${span.name} ${ms} ms${status === undefined ? '' : ` status ${status}`}\n`);
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

server.listen(port, '127.0.0.1', () => process.stdout.write(`OTLP/HTTP receiver on http://127.0.0.1:${server.address().port}/v1/traces\n`));
