/**
 * The shape every consumer of a loaded OpenAPI document sees (gateway, audit, scan, inventory).
 * Swagger 2.0 is normalised into the OpenAPI 3.x shape at load time, so consumers handle one form.
 */

export type SpecVersion = '2.0' | '3.0' | '3.1';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'TRACE';

/** A JSON Schema object as written in the spec (3.0 dialect or 2020-12 for 3.1). */
export type SchemaObject = Record<string, unknown>;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface Parameter {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  /** Dereferenced schema (may contain internal cycles through `$ref` targets kept as objects). */
  readonly schema: SchemaObject | undefined;
  readonly style: string;
  readonly explode: boolean;
  readonly deprecated: boolean;
  readonly allowReserved: boolean;
  /** JSON pointer of the parameter in its source document, for reports. */
  readonly pointer: string;
  /** Its source document, when it was reached through a `$ref` (another file, or the root's components). */
  readonly file?: string;
  /** Where its schema is (2.0: the parameter itself, whose keywords are the schema), for reports. */
  readonly schemaAt?: SchemaLocation;
  readonly extensions: Readonly<Record<string, unknown>>;
  /**
   * OpenAPI 3 `content` parameters: the media type the value is serialised in (its schema is in
   * `schema`); the value is parsed as that media type instead of by style.
   */
  readonly contentType?: string;
  /** Example values the spec gives (`example`, the `value`s of `examples`, 2.0 `x-example`). */
  readonly examples?: readonly unknown[];
}

/** Where a schema is written: its file (undefined: the root document) and JSON pointer. */
export interface SchemaLocation {
  readonly file?: string;
  readonly pointer: string;
}

export interface MediaType {
  readonly schema: SchemaObject | undefined;
  /** Where the schema is written, for reports. */
  readonly schemaAt?: SchemaLocation;
  /** For form bodies: per-property encoding (style/explode/contentType). */
  readonly encoding?: Readonly<Record<string, unknown>>;
  /** Example values the spec gives (`example`, the `value`s of `examples`). */
  readonly examples?: readonly unknown[];
}

export interface RequestBody {
  readonly required: boolean;
  /** Keyed by media type as written (`application/json`, `application/*+json`, `*\/*`). */
  readonly content: Readonly<Record<string, MediaType>>;
  readonly pointer: string;
  /** Its source document, when it was reached through a `$ref` (another file, or the root's components). */
  readonly file?: string;
}

export interface Response {
  readonly description: string;
  readonly content: Readonly<Record<string, MediaType>>;
  readonly headers: Readonly<Record<string, { readonly required: boolean; readonly schema: SchemaObject | undefined }>>;
  readonly pointer: string;
  /** OpenAPI 3 `links`: how values of this response feed another operation's parameters. */
  readonly links?: Readonly<Record<string, Link>>;
}

/** An OpenAPI 3 Link Object: values are runtime expressions (`$response.body#/id`) or constants. */
export interface Link {
  readonly operationId?: string;
  readonly operationRef?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly requestBody?: unknown;
}

/** One security requirement object: scheme name -> scopes. Alternatives are OR-ed. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

export interface Operation {
  /** `operationId` when present and unique, else `METHOD /path/template`. Stable across loads. */
  readonly id: string;
  readonly operationId: string | undefined;
  readonly method: HttpMethod;
  /** The path template as written in the spec, without the server base path. */
  readonly path: string;
  readonly summary: string | undefined;
  readonly tags: readonly string[];
  readonly deprecated: boolean;
  /** Path-level and operation-level parameters merged (operation wins), `in: body/formData` excluded. */
  readonly parameters: readonly Parameter[];
  readonly requestBody: RequestBody | undefined;
  /** Keyed by status code as written (`200`, `4XX`, `default`). */
  readonly responses: Readonly<Record<string, Response>>;
  /** Effective security: the operation's own, or the document's; `[]` means explicitly none. */
  readonly security: readonly SecurityRequirement[];
  /** `x-*` keys of the operation object. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** JSON pointer of the operation object in the root document, e.g. `/paths/~1users~1{id}/get`. */
  readonly pointer: string;
}

export interface SecurityScheme {
  readonly type: 'apiKey' | 'http' | 'oauth2' | 'openIdConnect' | 'mutualTLS' | string;
  readonly scheme?: string;
  readonly bearerFormat?: string;
  readonly name?: string;
  readonly in?: 'query' | 'header' | 'cookie';
  readonly flows?: Readonly<Record<string, { readonly scopes?: Readonly<Record<string, string>>; readonly authorizationUrl?: string; readonly tokenUrl?: string }>>;
  readonly openIdConnectUrl?: string;
  readonly pointer: string;
}

/** A non-fatal problem found while loading (dangling `$ref`, duplicate operationId, ...). */
export interface SpecProblem {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly file: string;
  readonly pointer: string;
  readonly line?: number;
}

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface LoadedSpec {
  /** Absolute path (or the name given) of the root document. */
  readonly file: string;
  /** Every file the document was read from: the root and the files its `$ref`s reach (the gateway watches them). */
  readonly files: readonly string[];
  readonly version: SpecVersion;
  /** The version string as written (`2.0`, `3.0.3`, `3.1.0`). */
  readonly versionString: string;
  readonly title: string;
  readonly apiVersion: string;
  /** The root document exactly as parsed (not dereferenced, not normalised). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** Server URLs as written (2.0: built from schemes/host/basePath). */
  readonly servers: readonly string[];
  /** Base paths derived from servers (`/v1`), `''` for root; deduplicated. */
  readonly basePaths: readonly string[];
  readonly operations: readonly Operation[];
  readonly securitySchemes: Readonly<Record<string, SecurityScheme>>;
  /** Document-level `security`. */
  readonly security: readonly SecurityRequirement[];
  readonly problems: readonly SpecProblem[];
  /** Line and column of a JSON pointer in the root (or a referenced) file, when known. */
  locate(pointer: string, file?: string): SourceLocation | undefined;
}
