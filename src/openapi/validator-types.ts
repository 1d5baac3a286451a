/**
 * What `compileOperation` (src/openapi/compile.ts) hands the gateway: small functions built once at
 * load time, run per request. No option parsing, no schema lookup by name at request time.
 */

export interface ValidationIssue {
  readonly in: 'path' | 'query' | 'header' | 'cookie' | 'body';
  /** Parameter name (for parameters). */
  readonly name?: string;
  /** JSON pointer inside the value (for bodies), `''` for the whole value. */
  readonly pointer: string;
  /** Ajv keyword or a Gatehouse one (`unknownField`, `required`, `type`, ...). */
  readonly keyword: string;
  /** Human message, safe to show a client: never echoes the offending value. */
  readonly message: string;
}

export interface CompileOptions {
  /**
   * Request bodies: `reject` refuses properties the schema does not declare (mass-assignment
   * defence) unless the schema itself allows them with `additionalProperties`;
   * `allow` follows the schema as written.
   */
  readonly unknownFields: 'reject' | 'allow';
  /** Query parameters the operation does not declare. */
  readonly unknownQuery: 'reject' | 'allow';
  /** Properties marked `readOnly` sent in a request are refused when true. */
  readonly rejectReadOnly: boolean;
}

/** Raw parameter values as the gateway parsed them from the request. */
export interface RawParameters {
  /** Path template captures, already percent-decoded. */
  readonly path: Readonly<Record<string, string>>;
  /** Query string: a repeated key gives an array. Percent-decoded. */
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed Cookie header. */
  readonly cookies: Readonly<Record<string, string>>;
}

/** The result of validating parameters: coerced values by location, or issues. */
export interface ParameterResult {
  readonly issues: readonly ValidationIssue[] | undefined;
  /** Coerced, typed values (numbers, booleans, arrays, objects per style/explode). */
  readonly values: {
    readonly path: Record<string, unknown>;
    readonly query: Record<string, unknown>;
    readonly header: Record<string, unknown>;
    readonly cookie: Record<string, unknown>;
  };
}

export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'binary';

export interface BodyValidator {
  readonly mediaType: string;
  readonly kind: BodyKind;
  /** Validates a parsed body (JSON value, or form fields as an object of strings/arrays). */
  validate(value: unknown): readonly ValidationIssue[] | undefined;
  /**
   * Multipart only: whether a part named so, sent as `application/json`, is read as JSON (its
   * property's schema wants an object or an array of objects), as OpenAPI's default encoding says.
   */
  readonly structuredField?: (name: string) => boolean;
}

export interface ResponseValidator {
  readonly mediaType: string;
  readonly kind: BodyKind;
  /** Validates a parsed response body against the declared schema. */
  validate(value: unknown): readonly ValidationIssue[] | undefined;
  /**
   * Removes, in place, every object property the declared schema does not declare (data
   * minimisation). Understands properties/additionalProperties/patternProperties, allOf/anyOf/
   * oneOf (a property declared by any branch is kept), items/prefixItems and `$ref` cycles.
   * Returns the number of properties removed.
   */
  strip(value: unknown): number;
  /**
   * True when `raw` is valid JSON that `strip` would leave unchanged, decided from the bytes
   * without parsing them; false when in doubt.
   */
  conformsUnparsed(raw: Buffer): boolean;
}

export interface OperationValidators {
  /** Coerces raw strings by each parameter's schema, style and explode, then validates. */
  parameters(raw: RawParameters): ParameterResult;
  /** True when the operation declares a request body. */
  readonly hasBody: boolean;
  readonly bodyRequired: boolean;
  /** Media types the body may have, as declared. Empty when the operation declares no body. */
  readonly bodyMediaTypes: readonly string[];
  /**
   * The validator for a request content type (`application/json; charset=utf-8` matches
   * `application/json`, then `application/*`, then `*\/*`). `undefined`: 415.
   */
  body(contentType: string): BodyValidator | undefined;
  /**
   * The validator for a response status and content type: exact status, then `2XX`-style range,
   * then `default`. `undefined` when the spec declares no schema for it.
   */
  response(status: number, contentType: string): ResponseValidator | undefined;
  /** True when the spec declares the status (or its range, or default). */
  declaresStatus(status: number): boolean;
}
