/**
 * The admin API's contract, OpenAPI 3.1. The admin listener compiles it with the same contract
 * compiler the gateway enforces upstream APIs with (src/openapi): unknown query parameters and
 * body fields are refused, types and formats checked, before any handler runs. The tests check
 * every answer against the response schemas. `x-role` is the least role an operation needs.
 */
const problem = { $ref: '#/components/responses/Problem' };
const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 415: problem, 429: problem };
const ok = (schema: object, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const strs = { type: 'array', items: str } as const;
const page = (item: object) => ({ type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: item }, next: str } });
const q = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, schema, description });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' } };
const jsonBody = (schema: object, required = true) => ({ required, content: { 'application/json': { schema } } });
const note = { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 500 } } };
const since = q('since', { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d)$' }, 'how far back, as a duration (24h, 7d)');

const anyObject = { type: 'object' };

const severities = ['critical', 'high', 'medium', 'low', 'info'];
const reportRequired = ['id', 'kind', 'at', 'subject', 'bySeverity', 'total', 'muted', 'findingsOmitted'];
const reportSummary = {
  id: str, kind: { enum: ['audit', 'scan'] }, at: int, subject: str, total: int,
  muted: { ...int, description: 'findings that do not count: suppressed, mitigated by the gateway, or spec ambiguities' },
  bySeverity: { type: 'object', additionalProperties: false, required: severities, properties: Object.fromEntries(severities.map((s) => [s, int])) },
  score: { type: 'number', description: 'audit: the lowest document score' }, requests: int, truncated: { type: 'boolean' },
  findingsOmitted: { ...int, description: 'findings past the stored limit, least severe first' },
};

export const ADMIN_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Gatehouse admin API',
    version: '1.0.0',
    description: 'What the gateway knows (config, inventory, alerts, decisions, revocations, keys, certificates) and the actions an operator takes on it. Every write is recorded in the decision trail with who made it.',
  },
  servers: [{ url: '/admin/api/v1' }],
  security: [{ adminToken: [] }],
  paths: {
    '/whoami': { get: { operationId: 'whoami', 'x-role': 'viewer', responses: { 200: ok({ type: 'object', additionalProperties: false, required: ['id', 'role'], properties: { id: str, role: { enum: ['viewer', 'operator', 'admin'] } } }), ...errors } } },
    '/overview': {
      get: {
        operationId: 'overview', 'x-role': 'viewer', parameters: [since],
        responses: { 200: ok({ $ref: '#/components/schemas/Overview' }), ...errors },
      },
    },
    '/config': { get: { operationId: 'getConfig', 'x-role': 'viewer', responses: { 200: ok({ $ref: '#/components/schemas/ConfigVersion' }), ...errors } } },
    '/config/reloads': {
      get: {
        operationId: 'listReloads', 'x-role': 'viewer', parameters: [q('limit', { type: 'integer', minimum: 1, maximum: 500 }, 'at most this many, newest first')],
        responses: { 200: ok(page({ $ref: '#/components/schemas/ConfigVersion' })), ...errors },
      },
    },
    '/inventory': { get: { operationId: 'inventory', 'x-role': 'viewer', parameters: [since], responses: { 200: ok(anyObject), ...errors } } },
    '/alerts': {
      get: {
        operationId: 'listAlerts', 'x-role': 'viewer',
        parameters: [since, q('type', str, 'only this alert type'), q('state', { enum: ['open', 'acknowledged', 'resolved'] }, 'only alerts in this state'), q('limit', { type: 'integer', minimum: 1, maximum: 1000 }, 'at most this many, newest first')],
        responses: { 200: ok(page({ $ref: '#/components/schemas/Alert' })), ...errors },
      },
    },
    '/alerts/{id}/acknowledge': { post: { operationId: 'acknowledgeAlert', 'x-role': 'operator', parameters: [idParam], requestBody: jsonBody(note, false), responses: { 200: ok({ $ref: '#/components/schemas/AlertState' }), ...errors } } },
    '/alerts/{id}/resolve': { post: { operationId: 'resolveAlert', 'x-role': 'operator', parameters: [idParam], requestBody: jsonBody(note, false), responses: { 200: ok({ $ref: '#/components/schemas/AlertState' }), ...errors } } },
    '/limits': {
      get: {
        operationId: 'limitState', 'x-role': 'viewer',
        description: 'Where one caller stands against every rate limit and quota, read without taking anything. Name the caller as the gateway does: `kind` and `subject` (and `issuer` for a JWT from several issuers), a `credential` (API key id) and/or an `ip`.',
        parameters: [
          q('kind', { enum: ['jwt', 'api-key', 'mtls', 'introspection'] }, 'credential kind (default jwt)'), q('subject', { type: 'string', minLength: 1, maxLength: 256 }, 'the identity subject'),
          q('issuer', { type: 'string', maxLength: 512 }, 'the token issuer'), q('credential', { type: 'string', maxLength: 128 }, 'an API key id'), q('ip', { type: 'string', maxLength: 64 }, 'a client address'),
        ],
        responses: {
          200: ok(page({
            type: 'object', additionalProperties: false, required: ['api', 'limit', 'type', 'remaining', 'max', 'resetMs'],
            properties: { api: str, limit: str, type: { enum: ['rate', 'quota'] }, operation: str, remaining: { type: 'number' }, max: int, resetMs: { type: 'number' } },
          })),
          ...errors,
        },
      },
    },
    '/runbooks/{name}': {
      get: {
        operationId: 'getRunbook', 'x-role': 'viewer', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z-]{0,63}$' } }],
        responses: { 200: ok({ type: 'object', additionalProperties: false, required: ['name', 'text'], properties: { name: str, text: { type: 'string', description: 'Markdown' } } }), ...errors },
      },
    },
    '/decisions': {
      get: {
        operationId: 'listDecisions', 'x-role': 'viewer',
        parameters: [
          q('identity', { type: 'string', maxLength: 256 }, 'only this caller'), q('operation', { type: 'string', maxLength: 256 }, 'only this operation'),
          q('decision', { enum: ['allow', 'deny'] }, 'only allows or denies'), q('api', { type: 'string', maxLength: 128 }, 'only this API'),
          since, q('before', { type: 'string', pattern: '^[0-9]{1,15}$' }, 'the `next` of the previous page'),
          q('limit', { type: 'integer', minimum: 1, maximum: 1000 }, 'page size'),
        ],
        responses: { 200: ok(page(anyObject)), ...errors },
      },
    },
    '/revocations': {
      get: { operationId: 'listRevocations', 'x-role': 'viewer', responses: { 200: ok(page({ $ref: '#/components/schemas/Revocation' })), ...errors } },
      post: {
        operationId: 'addRevocation', 'x-role': 'operator',
        requestBody: jsonBody({
          type: 'object', additionalProperties: false, required: ['kind', 'value'],
          properties: {
            kind: { enum: ['ip', 'subject', 'credential', 'jti'] }, value: { type: 'string', minLength: 1, maxLength: 256 },
            reason: { type: 'string', maxLength: 500 }, forSeconds: { type: 'integer', minimum: 1, maximum: 31_536_000 }, throttlePerMinute: { type: 'integer', minimum: 1, maximum: 1_000_000 },
          },
        }),
        responses: { 201: ok({ $ref: '#/components/schemas/Revocation' }, 'Added'), ...errors },
      },
      delete: {
        operationId: 'removeRevocation', 'x-role': 'operator',
        parameters: [{ name: 'kind', in: 'query', required: true, schema: { enum: ['ip', 'subject', 'credential', 'jti'] } }, { name: 'value', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 256 } }],
        responses: { 200: ok({ type: 'object', additionalProperties: false, required: ['removed'], properties: { removed: { type: 'boolean' } } }), ...errors },
      },
    },
    '/keys': {
      get: { operationId: 'listKeys', 'x-role': 'viewer', responses: { 200: ok(page({ $ref: '#/components/schemas/ApiKey' })), ...errors } },
      post: {
        operationId: 'createKey', 'x-role': 'admin',
        requestBody: jsonBody({
          type: 'object', additionalProperties: false, required: ['name'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, scopes: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 128 } }, roles: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 128 } }, expiresInSeconds: { type: 'integer', minimum: 60 } },
        }),
        responses: { 201: ok({ $ref: '#/components/schemas/IssuedKey' }, 'Issued: the key is shown this once'), ...errors },
      },
    },
    '/keys/{id}/rotate': {
      post: {
        operationId: 'rotateKey', 'x-role': 'admin', parameters: [idParam],
        requestBody: jsonBody({ type: 'object', additionalProperties: false, properties: { overlapSeconds: { type: 'integer', minimum: 0, maximum: 2_592_000 } } }, false),
        responses: { 201: ok({ $ref: '#/components/schemas/IssuedKey' }, 'Issued: the key is shown this once'), ...errors },
      },
    },
    '/keys/{id}/revoke': { post: { operationId: 'revokeKey', 'x-role': 'admin', parameters: [idParam], responses: { 200: ok({ type: 'object', additionalProperties: false, required: ['revoked'], properties: { revoked: { type: 'boolean' } } }), ...errors } } },
    '/certificates': { get: { operationId: 'listCertificates', 'x-role': 'viewer', responses: { 200: ok(page({ $ref: '#/components/schemas/Certificate' })), ...errors } } },
    '/reports': {
      get: {
        operationId: 'listReports', 'x-role': 'viewer',
        description: 'Audit and scan reports stored with `gatehouse audit --store` / `gatehouse scan --store`, newest first, each with its findings counted by severity: findings over time.',
        parameters: [
          q('kind', { enum: ['audit', 'scan'] }, 'only audits or only scans'),
          q('since', { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d)$' }, 'how far back, as a duration (default 365d)'),
          q('limit', { type: 'integer', minimum: 1, maximum: 1000 }, 'at most this many, newest first (default 200)'),
        ],
        responses: { 200: ok(page({ $ref: '#/components/schemas/ReportSummary' })), ...errors },
      },
    },
    '/reports/{id}': {
      get: {
        operationId: 'getReport', 'x-role': 'viewer', parameters: [idParam],
        responses: { 200: ok({ $ref: '#/components/schemas/Report' }), ...errors },
      },
    },
    '/events': {
      get: {
        operationId: 'events', 'x-role': 'viewer',
        description: 'Server-sent events: `alert` (each new alert), `decision` (a sample of decisions, at most 20 a second), `reload` (each reload, refused ones too), `revocation` (each block or removal).',
        responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: str } } }, ...errors },
      },
    },
  },
  components: {
    securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'An admin token from `gatehouse admin-token create`, or `admin.auth.token`.' } },
    responses: { Problem: { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: { type: 'object', required: ['type', 'title', 'status', 'code'], properties: { type: str, title: str, status: int, code: str, detail: str, requestId: str } } } } } },
    schemas: {
      Overview: {
        type: 'object', additionalProperties: false, required: ['requests', 'refusals', 'refusalsByCode', 'latencyMs', 'topCallers', 'openAlerts', 'series'],
        properties: {
          requests: int, refusals: int,
          refusalsByCode: { type: 'object', additionalProperties: int },
          latencyMs: { type: 'object', additionalProperties: false, properties: { p50: { type: ['number', 'null'] }, p99: { type: ['number', 'null'] } } },
          topCallers: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['identity', 'count'], properties: { identity: str, count: int } } },
          openAlerts: int,
          series: { type: 'object', additionalProperties: false, required: ['t', 'allow', 'deny'], properties: { t: { type: 'array', items: int }, allow: { type: 'array', items: int }, deny: { type: 'array', items: int } } },
        },
      },
      ConfigVersion: {
        type: 'object', additionalProperties: false, required: ['at', 'ok', 'instance'],
        properties: { at: int, ok: { type: 'boolean' }, instance: str, sha256: str, inputs: str, version: str, text: { type: 'string', description: 'the config file with every secret masked' }, errors: strs },
      },
      Alert: {
        type: 'object', required: ['id', 'type', 'severity', 'ts', 'summary', 'runbook', 'state'],
        properties: { id: str, type: str, severity: str, ts: int, summary: str, api: str, operation: str, subject: anyObject, evidence: anyObject, runbook: str, response: str, state: { enum: ['open', 'acknowledged', 'resolved'] }, stateBy: str, stateAt: int, note: str },
      },
      AlertState: { type: 'object', additionalProperties: false, required: ['id', 'state', 'by', 'at'], properties: { id: str, state: { enum: ['acknowledged', 'resolved'] }, by: str, at: int, note: str } },
      Revocation: {
        type: 'object', additionalProperties: false, required: ['kind', 'value', 'action', 'reason', 'by', 'createdAt'],
        properties: { kind: str, value: str, action: str, perMinute: int, reason: str, by: str, alertId: str, createdAt: int, expiresAt: int },
      },
      ApiKey: {
        type: 'object', additionalProperties: false, required: ['id', 'name', 'status', 'createdAt'],
        properties: { id: str, name: str, scopes: strs, roles: strs, status: str, createdAt: int, expiresAt: int, revokedAt: int, rotatedFrom: str, rotatedTo: str },
      },
      IssuedKey: { type: 'object', additionalProperties: false, required: ['key', 'info'], properties: { key: str, info: { $ref: '#/components/schemas/ApiKey' } } },
      ReportSummary: { type: 'object', additionalProperties: false, required: reportRequired, properties: reportSummary },
      Report: {
        type: 'object', additionalProperties: false, required: [...reportRequired, 'findings'],
        properties: {
          ...reportSummary,
          findings: {
            type: 'array',
            items: {
              type: 'object', additionalProperties: false, required: ['ruleId', 'severity', 'title', 'where', 'detail'],
              properties: { ruleId: str, severity: { enum: severities }, title: str, where: str, owasp: str, detail: str, curl: str, muted: str, occurrences: int },
            },
          },
        },
      },
      Certificate: {
        type: 'object', additionalProperties: false, required: ['use', 'file', 'subject', 'notAfter', 'daysLeft'],
        properties: { use: str, file: str, subject: str, notAfter: str, daysLeft: int },
      },
    },
  },
} as const;
