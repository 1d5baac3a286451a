import { expect } from 'vitest';
import { ADMIN_OPENAPI } from '../../src/admin/openapi.js';
import { API_BASE } from '../../src/admin/api.js';
import { compileContract, createRouter, loadSpecFromString } from '../../src/openapi/index.js';
import type { OperationValidators } from '../../src/openapi/validator-types.js';

const spec = loadSpecFromString(JSON.stringify(ADMIN_OPENAPI), 'admin-openapi.json');
const contract = compileContract(spec, { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true });
const router = createRouter(spec.operations.map((operation) => ({ basePath: API_BASE, operation, value: contract.validators.get(operation) as OperationValidators })));

/** Asserts an answer of the admin API is what its contract declares (status, media type, schema). */
export async function conforms(method: string, url: string, res: Response): Promise<unknown> {
  const path = new URL(url).pathname;
  const text = await res.text();
  const match = router.match(method, path);
  if (match === undefined || 'methodNotAllowed' in match) return text === '' ? undefined : JSON.parse(text);
  const type = res.headers.get('content-type') ?? '';
  expect(match.value.declaresStatus(res.status), `${method} ${path} answered an undeclared ${res.status}`).toBe(true);
  const body = JSON.parse(text) as unknown;
  const validator = match.value.response(res.status, type);
  expect(validator, `${method} ${path} ${res.status} ${type} has no declared schema`).toBeDefined();
  expect(validator?.validate(body), `${method} ${path} ${res.status}: ${text.slice(0, 300)}`).toBeUndefined();
  return body;
}

/** One admin API client with a token, checking every answer against the contract. */
export function adminClient(base: string, token: string | undefined, extraHeaders: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const url = `${base}${API_BASE}${path}`;
    const res = await fetch(url, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const headers = res.headers;
    return { status: res.status, body: await conforms(method, url, res), headers };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}
