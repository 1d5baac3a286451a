import { AUTH_FAILURE_SCHEMA } from '../policies/auth-failure/config.js';
import { IDENTITY_SCHEMA } from '../identity/config.js';
import { AUTHENTICATION_SCHEMA } from '../policies/authn/config.js';
import { FORWARD_IDENTITY_SCHEMA } from '../policies/identity-forward/config.js';
import { OBJECT_AUTH_SCHEMA } from '../policies/object-auth/config.js';
import { AUTHORIZATION_SCHEMA } from '../policies/scopes/config.js';
import { STEP_UP_SCHEMA } from '../policies/step-up/config.js';
import { CORS_SCHEMA } from '../policies/cors/config.js';
import { CONCURRENCY_SCHEMA } from '../policies/concurrency/config.js';
import { INJECTION_SCHEMA } from '../policies/injection/config.js';
import { MASKING_SCHEMA } from '../policies/masking/config.js';
import { RATE_LIMIT_SCHEMA } from '../policies/rate-limit/config.js';
import { INVENTORY_SCHEMA } from '../inventory/config.js';
import { MONITORING_SCHEMA } from '../anomaly/config.js';
import { ADMIN_SCHEMA } from '../admin/config.js';
import { RETENTION_SCHEMA } from '../store/retention.js';
import { EGRESS_SCHEMA } from '../egress/config.js';
import { TRACING_SCHEMA } from '../observe/tracing-config.js';
import { DURATION_SCHEMA, SIZE_SCHEMA } from './units.js';
import { HTTP2_LIMITS_SCHEMA, WEBSOCKET_SCHEMA } from './protocols.js';

/**
 * The JSON Schema of gatehouse.yaml. Every object is closed (`additionalProperties: false`): a
 * typo such as `unknwonFields` must be an error, never a silently disabled protection.
 * `x-hint` is shown instead of Ajv's generic message for that node.
 */
const duration = DURATION_SCHEMA;
const size = SIZE_SCHEMA;
const port = { type: 'integer', minimum: 0, maximum: 65535 };
const mode = { enum: ['enforce', 'monitor', 'off'] };
const closed = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: 'object', additionalProperties: false, properties, required });

const tlsFiles = {
  cert: { type: 'string', minLength: 1 },
  key: { type: 'string', minLength: 1 },
  ca: { type: 'string', minLength: 1 },
};

const redisStore = closed({
  url: { type: 'string', pattern: '^rediss?://', 'x-hint': 'must be a redis:// or rediss:// URL' },
  prefix: { type: 'string' },
}, ['url']);
const postgresStore = closed({
  url: { type: 'string', pattern: '^postgres(ql)?://', 'x-hint': 'must be a postgres:// URL' },
  schema: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
}, ['url']);

const contractPolicy = closed({
  mode,
  unknownFields: { enum: ['reject', 'allow'] },
  unknownQuery: { enum: ['reject', 'allow'] },
  readOnly: { enum: ['reject', 'allow'] },
  responses: { enum: ['strip', 'block', 'validate', 'off'], 'x-hint': 'must be strip (remove undeclared fields), block (502 on violation), validate (record only) or off' },
});

const api = closed({
  name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'x-hint': 'must be a name of letters, digits, _ . -' },
  spec: { type: 'string', minLength: 1 },
  direction: { enum: ['ingress', 'egress'], 'x-hint': 'must be ingress (callers -> your service) or egress (your services -> a third-party API)' },
  egress: EGRESS_SCHEMA,
  basePath: { type: 'string', pattern: '^(/[^/?#]+)*/?$', 'x-hint': 'must be a path such as /api/v1' },
  owner: { type: 'string' },
  upstream: closed({
    url: { type: 'string', pattern: '^https?://[^/?#]+(/[^?#]*)?$', 'x-hint': 'must be an http:// or https:// URL without query' },
    timeout: duration,
    connectTimeout: duration,
    headersTimeout: duration,
    connections: { type: 'integer', minimum: 1, maximum: 10_000 },
    maxResponseBytes: size,
    tls: closed({ ...tlsFiles, serverName: { type: 'string' }, rejectUnauthorized: { type: 'boolean' } }),
    http2: { type: 'boolean', 'x-hint': 'must be true (HTTP/2 to the upstream: ALPN over https://, prior knowledge over http://) or false' },
  }, ['url']),
  grpc: { type: 'boolean', 'x-hint': 'must be true when the API is a gRPC service (its spec declares POST /package.Service/Method) or false' },
  websocket: WEBSOCKET_SCHEMA,
  unmatched: { enum: ['reject', 'passthrough'], 'x-hint': 'must be reject (404) or passthrough (forward and flag)' },
  charset: { enum: ['utf-8', 'iso-8859-1', 'windows-1252'], 'x-hint': 'must be utf-8, iso-8859-1 or windows-1252 (how the upstream reads percent-encoded query and form bytes)' },
  policies: closed({
    contract: contractPolicy,
    securityHeaders: closed({ mode: { enum: ['enforce', 'off'] }, hsts: { type: 'boolean' } }),
    masking: MASKING_SCHEMA,
    rateLimit: RATE_LIMIT_SCHEMA,
    concurrency: CONCURRENCY_SCHEMA,
    authFailures: AUTH_FAILURE_SCHEMA,
    injection: INJECTION_SCHEMA,
    authentication: AUTHENTICATION_SCHEMA,
    authorization: AUTHORIZATION_SCHEMA,
    objectAuth: OBJECT_AUTH_SCHEMA,
    stepUp: STEP_UP_SCHEMA,
    forwardIdentity: FORWARD_IDENTITY_SCHEMA,
    cors: CORS_SCHEMA,
  }),
}, ['name', 'spec', 'upstream']);

export const CONFIG_SCHEMA = closed({
  version: { type: 'string', enum: ['1', '1.0'], 'x-hint': 'must be "1" (quote it: version: "1")' },
  listen: closed({
    http: closed({ host: { type: 'string' }, port, redirectToHttps: { type: 'boolean' } }),
    https: closed({
      host: { type: 'string' }, port, ...tlsFiles,
      clientCa: { type: 'string' },
      requestClientCert: { type: 'boolean' },
      http2: { type: 'boolean', 'x-hint': 'must be true (offer h2 and http/1.1 by ALPN, the default) or false (http/1.1 only)' },
    }, ['cert', 'key']),
    h2c: closed({ host: { type: 'string' }, port }),
  }),
  admin: ADMIN_SCHEMA,
  store: {
    type: 'object', additionalProperties: false, minProperties: 1, maxProperties: 1,
    'x-hint': 'must name exactly one of memory, sqlite, redis, postgres, cluster',
    properties: {
      memory: closed({}),
      sqlite: closed({ path: { type: 'string', minLength: 1 } }, ['path']),
      redis: redisStore,
      postgres: postgresStore,
      cluster: closed({ redis: redisStore, postgres: postgresStore }, ['redis', 'postgres']),
    },
  },
  limits: closed({
    maxUrlLength: { type: 'integer', minimum: 64 },
    maxHeaderCount: { type: 'integer', minimum: 8 },
    maxHeaderBytes: size,
    maxBodyBytes: size,
    maxBodyBytesByType: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9!#$&^_.+-]+/([A-Za-z0-9!#$&^_.+-]+|\\*)$' },
      additionalProperties: size,
      'x-hint': 'must map media types (application/json, multipart/*) to sizes',
    },
    maxJsonDepth: { type: 'integer', minimum: 1, maximum: 1000 },
    maxJsonElements: { type: 'integer', minimum: 1 },
    maxStringLength: { type: 'integer', minimum: 1 },
    headersTimeout: duration,
    requestTimeout: duration,
    keepAliveTimeout: duration,
    maxConnections: { type: 'integer', minimum: 1 },
    http2: HTTP2_LIMITS_SCHEMA,
  }),
  clientIp: closed({
    trustedHops: { type: 'integer', minimum: 0, maximum: 16 },
    trustedProxies: { type: 'array', items: { type: 'string', pattern: '^[0-9A-Fa-f.:]+(/\\d{1,3})?$', 'x-hint': 'must be an IP address or CIDR range (10.0.0.0/8)' } },
  }),
  secrets: closed({
    store: { type: 'string', minLength: 1 },
    vault: closed({
      address: { type: 'string', pattern: '^https?://', 'x-hint': 'must be an http(s):// URL' },
      token: { type: 'string' }, roleId: { type: 'string' }, secretId: { type: 'string' },
      mount: { type: 'string' }, path: { type: 'string' }, namespace: { type: 'string' },
    }, ['address']),
  }),
  logging: closed({
    level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
    access: { type: 'boolean' },
    accessFormat: { enum: ['gatehouse', 'ecs', 'otel'], 'x-hint': 'must be gatehouse (short field names), ecs (Elastic Common Schema) or otel (OpenTelemetry semantic conventions)' },
    redact: { type: 'array', items: { type: 'string', minLength: 1 } },
  }),
  tracing: TRACING_SCHEMA,
  inventory: INVENTORY_SCHEMA,
  retention: RETENTION_SCHEMA,
  shutdown: closed({ drainDelay: duration, timeout: duration }),
  workers: { anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1, maximum: 256 }], 'x-hint': 'must be auto or a whole number of worker processes from 1 to 256' },
  monitoring: MONITORING_SCHEMA,
  identity: IDENTITY_SCHEMA,
  apis: { type: 'array', minItems: 1, items: api, 'x-hint': 'must list at least one API' },
}, ['version', 'apis']);
