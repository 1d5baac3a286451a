import { it } from 'vitest';
import { auditFiles, loadGatewayGuarantees } from '../../src/audit/index.js';
it('x', async () => {
  const g = await loadGatewayGuarantees('test/audit/fixtures/gateway.yaml');
  for (const f of ['test/audit/fixtures/cyclic-shared.yaml', ...['bad-yaml.yaml','truncated.json','not-openapi.yaml','empty.yaml','future-version.yaml','list.yaml','garbage.json','nope.yaml'].map((x) => 'test/audit/fixtures/broken/' + x)]) {
    const r = await auditFiles([f], { gateway: g });
    console.log(f, r.documents[0]?.score, JSON.stringify(r.documents[0]?.findings.map((x) => [x.ruleId, x.pointer, x.line, x.message, x.mitigatedByGateway, x.suppressed])));
  }
});
