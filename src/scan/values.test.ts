import { describe, expect, it } from 'vitest';
import type { Operation } from '../openapi/index.js';
import type { ScanResponse } from './types.js';
import { checkParams, coerce, evaluate, linkParam, ownValue, parseParam, Profile, setNamed, withExamples } from './values.js';

const op = {
  id: 'getOrders', operationId: 'getOrders', method: 'GET', path: '/users/{userId}/orders', pointer: '/paths/~1users~1{userId}~1orders/get',
  parameters: [
    { name: 'userId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
    { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['open', 'shipped'] }, examples: ['shipped'] },
  ],
  requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { userId: { type: 'integer' }, note: { type: 'string', example: 'hi' } } } } } },
  responses: {}, security: [], extensions: {}, tags: [],
} as unknown as Operation;
const empty = { path: {}, query: {}, header: {}, cookie: {}, body: undefined, mediaType: undefined };

describe('parameter values', () => {
  it('reads --param for every operation or one', () => {
    expect(parseParam('userId=1')).toEqual({ operation: undefined, name: 'userId', raw: '1' });
    expect(parseParam('getOrder:orderId=a=b')).toEqual({ operation: 'getOrder', name: 'orderId', raw: 'a=b' });
    expect(() => parseParam('=1')).toThrow(/expected name=value/);
  });

  it('refuses a --param no operation takes, or for an unknown operation', () => {
    expect(() => checkParams([parseParam('userID=1')], [op])).toThrow(/no operation has parameter or body property named "userID"/);
    expect(() => checkParams([parseParam('nope:userId=1')], [op])).toThrow(/no operation "nope"/);
    expect(() => checkParams([parseParam('getOrders:userId=1')], [op])).not.toThrow();
  });

  it('types a value by the schema and sets it wherever the operation takes that name', () => {
    expect(coerce('7', { type: 'integer' })).toBe(7);
    expect(coerce('007x', { type: 'integer' })).toBe('007x');
    expect(coerce('true', { type: 'boolean' })).toBe(true);
    expect(coerce('[1,2]', { type: 'array' })).toEqual([1, 2]);
    expect(setNamed(op, empty, 'userId', '3')).toMatchObject({ path: { userId: 3 }, body: { userId: 3 }, mediaType: 'application/json' });
  });

  it('takes the spec\'s examples for parameters and body properties', () => {
    expect(withExamples(op, empty)).toMatchObject({ query: { status: 'shipped' }, body: { note: 'hi' } });
  });

  it('fills an input that names a user with the identity\'s own id when it fits the schema', () => {
    const profile = new Profile();
    profile.learn({ sub: '42', preferred_username: 'ada', email: 'ada@example.com' });
    expect(ownValue(op, 'userId', { type: 'integer' }, profile)).toBe(42);
    const byName = { ...op, path: '/users/{id}' } as Operation;
    expect(ownValue(byName, 'id', { type: 'integer' }, profile)).toBe(42);
    expect(ownValue({ ...op, path: '/orders/{id}' } as Operation, 'id', { type: 'integer' }, profile)).toBeUndefined();
    const uuid = new Profile();
    uuid.learn({ sub: 'auth0|abc' });
    expect(ownValue(op, 'userId', { type: 'integer' }, uuid)).toBeUndefined();
  });

  it('evaluates link runtime expressions against an exchange', () => {
    const res: ScanResponse = { status: 201, headers: { location: '/orders/9' }, body: '', json: { id: 9, owner: { name: 'x' } }, elapsedMs: 1 };
    const values = { ...empty, path: { userId: 3 }, body: { a: { b: 'c' } } };
    expect(evaluate('$response.body#/id', values, res, 'POST')).toBe(9);
    expect(evaluate('$response.body#/owner/name', values, res, 'POST')).toBe('x');
    expect(evaluate('$response.header.Location', values, res, 'POST')).toBe('/orders/9');
    expect(evaluate('$request.path.userId', values, res, 'POST')).toBe(3);
    expect(evaluate('$request.body#/a/b', values, res, 'POST')).toBe('c');
    expect(evaluate('order-{$response.body#/id}', values, res, 'POST')).toBe('order-9');
    expect(evaluate(5, values, res, 'POST')).toBe(5);
    expect(linkParam('path.orderId')).toEqual({ slot: 'path', name: 'orderId' });
  });
});
