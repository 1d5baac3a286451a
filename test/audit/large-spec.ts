/** Builds a large OpenAPI 3.0 document (default ~10 MB, thousands of operations) for tests and the benchmark. */
export function largeSpec(operations = 4000): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < operations / 2; i++) {
    const name = `Resource${i % 400}`;
    schemas[name] ??= {
      type: 'object',
      properties: {
        id: { type: 'integer' }, name: { type: 'string', description: 'x'.repeat(200) }, password: { type: 'string' },
        children: { type: 'array', items: { $ref: `#/components/schemas/${name}` } },
        tags: { type: 'array', items: { type: 'string', maxLength: 20 } },
      },
    };
    const ref = { $ref: `#/components/schemas/${name}` };
    paths[`/r${i}/{id}`] = {
      get: {
        operationId: `get${i}`, tags: ['r'], description: 'd'.repeat(1500),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }, { name: 'url', in: 'query', schema: { type: 'string' } }],
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: ref } } }, '404': { description: 'missing' } },
      },
      put: {
        tags: ['r'], requestBody: { content: { 'application/json': { schema: ref } } }, description: 'p'.repeat(1500),
        responses: { '200': { description: 'ok', content: { 'application/json': { schema: ref } } } },
      },
    };
  }
  return {
    openapi: '3.0.3', info: { title: 'Large', version: '1' }, servers: [{ url: 'http://api.example.com' }],
    paths, components: { schemas },
  };
}
