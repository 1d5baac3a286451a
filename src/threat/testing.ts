/**
 * Helpers for the threat model's tests: a small hand-written spec, mutated one fact at a time.
 */
import { parse, stringify } from 'yaml';
import { loadSpecFromString } from '../openapi/index.js';
import type { LoadedSpec } from '../openapi/types.js';
import { buildThreatModel, type ModelOptions } from './model.js';
import type { Threat, ThreatModel } from './types.js';

/**
 * A bank in OpenAPI 3.0, written unlike the demo: path-level parameters, a shared error
 * response, schemas reused between requests and responses, an apiKey and an OAuth2 scheme.
 * `GET /status` is quiet on purpose: the spec gives no reason to suspect it.
 */
export const BANK = `
openapi: 3.0.3
info: { title: Bank, version: '2' }
servers: [{ url: 'https://api.bank.example/v2' }]
security: [{ oauth: [accounts:read] }]
paths:
  /status:
    get:
      operationId: status
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { type: object, additionalProperties: false, properties: { up: { type: boolean } } }
  /accounts/{accountId}:
    parameters:
      - { name: accountId, in: path, required: true, schema: { type: string, format: uuid } }
    get:
      operationId: getAccount
      responses:
        '200':
          description: the account
          content: { application/json: { schema: { $ref: '#/components/schemas/Account' } } }
  /transfers:
    post:
      operationId: createTransfer
      security: [{ oauth: [transfers:write] }]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [amount]
              properties:
                amount: { type: integer, minimum: 1, maximum: 100000 }
                memo: { type: string, maxLength: 140, pattern: '^[A-Za-z0-9 .,-]*$' }
      responses:
        '201': { description: created }
  /search:
    get:
      operationId: search
      parameters:
        - { name: q, in: query, schema: { type: string, maxLength: 100 } }
        - { name: limit, in: query, schema: { type: integer, minimum: 1 } }
      responses:
        '200':
          description: hits
          content:
            application/json:
              schema: { type: array, maxItems: 100, items: { type: object, additionalProperties: false, properties: { title: { type: string } } } }
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://id.bank.example/authorize
          tokenUrl: https://id.bank.example/token
          scopes: { accounts:read: read, transfers:write: move money }
  schemas:
    Account:
      type: object
      properties:
        id: { type: string, format: uuid, readOnly: true }
        holder: { type: string, maxLength: 100 }
        balance: { type: integer }
`;

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The fixture with one change applied to its parsed form, loaded as a spec. */
export function specWith(change: (doc: Doc) => void, text = BANK, name = '/virtual/bank.yaml'): LoadedSpec {
  const doc = parse(text) as Doc;
  change(doc);
  return loadSpecFromString(stringify(doc), name);
}

export function modelWith(change: (doc: Doc) => void, options: ModelOptions = {}, text = BANK): ThreatModel {
  return buildThreatModel(specWith(change, text), options);
}

/** The ids of the threats on one operation (by operationId). */
export function threatIds(model: ThreatModel, operation: string): string[] {
  const op = model.operations.find((o) => o.id === operation);
  if (op === undefined) throw new Error(`no operation ${operation}`);
  return op.threats.map((t) => t.id);
}

export function threatOn(model: ThreatModel, operation: string, id: string): Threat | undefined {
  return model.operations.find((o) => o.id === operation)?.threats.find((t) => t.id === id);
}
