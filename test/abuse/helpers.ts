import { fileURLToPath } from 'node:url';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import type { ServerResponse } from 'node:http';
import { json, startUpstream, type RecordedRequest, type TestUpstream } from '../helpers/upstream.js';

export const abuseSpec = fileURLToPath(new URL('./fixtures/abuse.yaml', import.meta.url));

/** An upstream answering every request with 200 {} (201 for POST). */
export async function okUpstream(): Promise<TestUpstream> {
  return startUpstream((req, res) => json(res, req.method === 'POST' ? 201 : 200, {}));
}

/** A gateway over the abuse fixture with the given `policies:` block (indented 6 spaces) and top-level extra YAML. */
export async function abuseGateway(upstream: TestUpstream, policies?: string, extra?: string, store = 'store: { memory: {} }', upstreamOptions?: string): Promise<StartedGateway> {
  let yaml = configYaml({ spec: abuseSpec, upstream: upstream.url, ...(policies === undefined ? {} : { policies }), ...(extra === undefined ? {} : { extra }) })
    .replace('store: { memory: {} }', store);
  if (upstreamOptions !== undefined) yaml = yaml.replace('connectTimeout: 500ms', `connectTimeout: 500ms, ${upstreamOptions}`);
  return startGateway(await scratchDir('gh-abuse-'), yaml);
}

/** Sends `n` requests at once and returns their responses (bodies read). */
export async function burst(n: number, send: (i: number) => Promise<Response>): Promise<Response[]> {
  const all = await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  await Promise.all(all.map((r) => r.arrayBuffer()));
  return all;
}

export function countStatus(responses: readonly Response[], status: number): number {
  return responses.filter((r) => r.status === status).length;
}

/**
 * An upstream that holds every /v1/slow request until `release()`: a burst is then concurrent at
 * the upstream however slowly a loaded machine delivers it, with no timing assumption.
 */
export async function holdingUpstream(): Promise<TestUpstream & { held: () => number; peak: () => number; release: () => void }> {
  const waiting: ServerResponse[] = [];
  let peak = 0;
  const upstream = await startUpstream((req: RecordedRequest, res) => {
    if (!req.url.startsWith('/v1/slow')) return json(res, req.method === 'POST' ? 201 : 200, {});
    waiting.push(res);
    peak = Math.max(peak, waiting.length);
  });
  return Object.assign(upstream, {
    held: () => waiting.length,
    peak: () => { const p = peak; peak = 0; return p; },
    release: () => { for (const res of waiting.splice(0)) json(res, 200, {}); },
  });
}

/**
 * Sends `n` requests at once to a holding upstream and releases the held ones once every request
 * is accounted for: answered by the gateway, or held at the upstream. Counted, not timed: a
 * request the limit wrongly lets through is held (and counted) before the release, however slow
 * the machine. `expectedRefused` is kept for the callers' reading; the count decides.
 */
export async function heldBurst(upstream: { release: () => void; held: () => number }, n: number, _expectedRefused: number, send: (i: number) => Promise<Response>): Promise<Response[]> {
  let answered = 0;
  const all = Array.from({ length: n }, (_, i) => send(i).then(async (r) => { await r.arrayBuffer(); answered++; return r; }));
  // A guard against a hang, not a measure: far above any answer time.
  const guard = Date.now() + 20_000;
  while (answered + upstream.held() < n) {
    if (Date.now() > guard) throw new Error(`heldBurst: ${answered} answered and ${upstream.held()} held of ${n}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  upstream.release();
  return Promise.all(all);
}
