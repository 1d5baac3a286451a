import type { LoadedSpec } from '../openapi/types.js';
import type { RawDoc } from './raw.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** `--fail-on`: a severity, or `none` to gate on the score alone. */
export type FailOn = Severity | 'none';

/** OWASP API Security Top 10, 2023 edition. */
export const OWASP_CATEGORIES = {
  'API1:2023': 'Broken Object Level Authorization',
  'API2:2023': 'Broken Authentication',
  'API3:2023': 'Broken Object Property Level Authorization',
  'API4:2023': 'Unrestricted Resource Consumption',
  'API5:2023': 'Broken Function Level Authorization',
  'API6:2023': 'Unrestricted Access to Sensitive Business Flows',
  'API7:2023': 'Server Side Request Forgery',
  'API8:2023': 'Security Misconfiguration',
  'API9:2023': 'Improper Inventory Management',
  'API10:2023': 'Unsafe Consumption of APIs',
} as const;
export type OwaspCategory = keyof typeof OWASP_CATEGORIES;

/** Which side of the exchange a schema describes: input needs bounds, output needs restraint. */
export type SchemaRole = 'request' | 'response';

/** One schema node met during the single walk over every schema of a document. */
export interface SchemaSite {
  readonly node: Readonly<Record<string, unknown>>;
  /**
   * Pointer of the node after `$ref` resolution: shared components are visited once, here. A node in
   * another file has an address `file#/pointer` (see raw.ts), extended by segments like any pointer.
   */
  readonly pointer: string;
  readonly role: SchemaRole;
  /** True for the schema of a `multipart/*` or `application/octet-stream` body (uploads). */
  readonly upload: boolean;
  /**
   * True when the node is a member of some `allOf` (or the target of a 3.1 `$ref` with sibling
   * keywords): it is half of a schema, so closing it alone would reject its siblings' properties.
   */
  readonly composedMember: boolean;
  /** OpenAPI 3.1 (JSON Schema 2020-12: `unevaluatedProperties` closes a composition). */
  readonly openapi31: boolean;
  /** Follows `$ref`s from a subschema of this node, from its file (undefined for remote or dangling ones). */
  resolve(node: unknown): Readonly<Record<string, unknown>> | undefined;
}

/**
 * How sure a finding is. Structural facts (no security, http:// server) are `high`; rules that judge
 * by a name say how much the schema's type and shape back the name up.
 */
export const CONFIDENCES = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export interface EmitOptions {
  readonly confidence?: Confidence;
  /** A lower severity than the rule's, for findings whose evidence is weaker. */
  readonly severity?: Severity;
}

export interface Emit {
  (pointer: string, message: string, opts?: EmitOptions): void;
}

/** What every rule sees: the loaded spec, its raw document, and what the walk collected. */
export interface AuditContext {
  readonly spec: LoadedSpec;
  readonly raw: RawDoc;
  /** Resolved pointers of schemas reached from request bodies / from responses (walk results). */
  readonly requestSchemas: ReadonlySet<string>;
  readonly responseSchemas: ReadonlySet<string>;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly owasp: OwaspCategory;
  /** One line: why this matters. */
  readonly description: string;
  /** One line: how to fix it. */
  readonly fix: string;
  /** Whole-document checks (operations, servers, security schemes). */
  check?(ctx: AuditContext, emit: Emit): void;
  /** Per-schema-node checks, called once per (node, role) by the shared walk. */
  visitSchema?(site: SchemaSite, emit: Emit): void;
  /** Findings of this rule that a gateway guarantee neutralises (see gateway-guarantees.ts). */
  readonly mitigatedBy?: GuaranteeKey;
  /**
   * Rules whose finding at the same pointer is the same weakness seen from another side: when this
   * rule fires there, theirs is dropped (one weakness, one finding).
   */
  readonly supersedes?: readonly string[];
}

export type GuaranteeKey = 'maxStringLength' | 'maxArrayItems' | 'maxBodyBytes' | 'unknownFieldsRejected' | 'rateLimited';

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly owasp: OwaspCategory;
  readonly message: string;
  readonly pointer: string;
  readonly file: string;
  readonly line: number | undefined;
  readonly fix: string;
  readonly confidence: Confidence;
  /** The gateway guarantee that neutralises this finding at runtime, when audited with --gateway-config. */
  mitigatedByGateway?: string;
  /** The reason given in `x-gatehouse-ignore`. */
  suppressed?: string;
}

export interface DocumentReport {
  readonly file: string;
  readonly title: string;
  readonly version: string;
  readonly operations: number;
  readonly score: number;
  readonly categoryScores: Readonly<Partial<Record<OwaspCategory, number>>>;
  /** Every finding, suppressed ones included (flagged), sorted by severity then pointer. */
  readonly findings: readonly Finding[];
  /** Rule ids that ran on this document (for JUnit: one testcase each). */
  readonly rulesRun: readonly string[];
}

export interface AuditReport {
  readonly documents: readonly DocumentReport[];
  readonly rules: readonly RuleInfo[];
}

export type RuleInfo = Pick<Rule, 'id' | 'title' | 'severity' | 'owasp' | 'description' | 'fix'>;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** A finding that counts against the gate: neither suppressed nor mitigated by the gateway. */
export function isActive(f: Finding): boolean {
  return f.suppressed === undefined && f.mitigatedByGateway === undefined;
}
