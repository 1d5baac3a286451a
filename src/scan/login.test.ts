import { describe, expect, it } from 'vitest';
import { credentialFrom, LoginIdentity, parseLogin } from './login.js';
import type { ScanResponse } from './types.js';

const answer = (status: number, json: unknown, headers: Record<string, string> = {}): ScanResponse =>
  ({ status, headers, body: JSON.stringify(json), json, elapsedMs: 1 });

describe('--login', () => {
  it('reads a JSON body with spaces and arrows in its strings, a token pointer and a header', () => {
    const spec = parseLogin('u1=POST /api/login {"username":"al ice","password":"p -> w as x"} -> /data/jwt as X-Auth:Token');
    expect(spec).toMatchObject({
      name: 'u1', method: 'POST', path: '/api/login', body: '{"username":"al ice","password":"p -> w as x"}',
      contentType: 'application/json', source: { kind: 'body', pointer: '/data/jwt' }, header: 'X-Auth', prefix: 'Token ',
    });
    expect(spec.secrets).toEqual(['p -> w as x']);
  });

  it('reads a form body, a cookie source, and defaults to a bearer Authorization header', () => {
    const form = parseLogin('web=post /session username=carol&password=s3cret -> cookie:sid');
    expect(form).toMatchObject({ method: 'POST', body: 'username=carol&password=s3cret', contentType: 'application/x-www-form-urlencoded', source: { kind: 'cookie', name: 'sid' }, header: 'Cookie', prefix: '' });
    expect(form.secrets).toEqual(['s3cret']);
    expect(parseLogin('a=POST /login {"u":"x","p":"y"}')).toMatchObject({ header: 'Authorization', prefix: 'Bearer ', source: { kind: 'auto' } });
  });

  it('refuses a malformed --login with the expected form', () => {
    for (const bad of ['POST /login', 'u=/login', 'u=POST login', 'u=POST /login {"a":1', 'u=POST /login {} -> nowhere']) {
      expect(() => parseLogin(bad)).toThrow(/expected NAME=METHOD PATH/);
    }
  });

  it('finds the token in a login answer: a named pointer, an OAuth-style member, a header or a session cookie', () => {
    const auto = parseLogin('a=POST /login {"p":"x"}');
    expect(credentialFrom(auto, answer(200, { access_token: 'abc', token_type: 'Bearer' }))).toEqual({ value: 'Bearer abc' });
    expect(credentialFrom(auto, answer(200, { data: { token: 'nested' } }))).toEqual({ value: 'Bearer nested' });
    expect(credentialFrom(auto, answer(200, { ok: true }, { 'set-cookie': 'sid=s1; Path=/; HttpOnly' }))).toEqual({ value: 'sid=s1', cookie: true });
    expect(credentialFrom(auto, answer(401, {}))).toEqual({ error: 'answered 401' });
    expect(credentialFrom(parseLogin('a=POST /login {} -> /jwt'), answer(200, { token: 'x' }))).toMatchObject({ error: expect.stringContaining('/jwt') as string });
    expect(credentialFrom(parseLogin('a=POST /login {} -> header:x-token'), answer(200, {}, { 'x-token': 't9' }))).toEqual({ value: 'Bearer t9' });
  });

  it('is due for a new login before its JWT expires', () => {
    const id = new LoginIdentity(parseLogin('a=POST /login {}'));
    expect(id.due(0)).toBe(true);
    const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'HS256' })}.${part({ sub: 'a', iat: 1000, exp: 1600 })}.sig`;
    id.accept(`Bearer ${token}`, 1_000_000);
    expect(id.value).toBe(`Bearer ${token}`);
    expect(id.due(1_500_000)).toBe(false);
    expect(id.due(1_571_000)).toBe(true);
    expect(id.issued.has(`Bearer ${token}`)).toBe(true);
  });
});
