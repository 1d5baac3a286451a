import { it } from 'vitest';
import { runScan } from '../../src/scan/index.js';
import { SPEC_FILE, startVulnerableApi } from '../targets/vulnerable-api.js';
it('time', async () => {
  const api = await startVulnerableApi({ flaws: 'all' });
  const r = await runScan({ spec: SPEC_FILE, target: api.url, seed: 7, identities: [
    { name: 'user1', header: 'Authorization', value: `Bearer ${await api.token('alice')}` },
    { name: 'user2', header: 'Authorization', value: `Bearer ${await api.token('bob')}` }] });
  console.log(`findings ${r.findings.filter((f) => f.kind === 'finding').length}, ${r.requests} requests in ${r.durationMs} ms`);
  await api.close();
}, 120000);
