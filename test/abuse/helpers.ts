import { fileURLToPath } from 'node:url';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

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
