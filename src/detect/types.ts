/** The injection categories the detectors recognise. Stable names: they appear in logs, metrics and config. */
export type Category =
  | 'sqli' | 'nosqli' | 'cmdi' | 'path-traversal' | 'ssrf' | 'xss' | 'prototype-pollution' | 'ssti' | 'jndi' | 'code';

export const CATEGORIES: readonly Category[] = [
  'sqli', 'nosqli', 'cmdi', 'path-traversal', 'ssrf', 'xss', 'prototype-pollution', 'ssti', 'jndi', 'code',
];

/**
 * Paranoia level, as OWASP CRS users know it: 1 (the default) runs only the rules that ordinary values never
 * trip; each level up adds rules that catch more evasions at the price of more false positives. A rule fires at
 * its own level and every level above it.
 */
export type Level = 1 | 2 | 3 | 4;
export const LEVELS: readonly Level[] = [1, 2, 3, 4];

/** One decision rule of a detector: a stable id (`sqli.union-select`), its level and what it recognises. */
export interface Rule {
  readonly id: string;
  readonly category: Category;
  readonly level: Level;
  readonly reason: string;
}

/** What a detector found: the rule that decided, where in the (decoded) value, and the tokens that decided. */
export interface Finding {
  readonly rule: Rule;
  readonly start: number;
  readonly end: number;
  /** The token sequence that decided, in source order (each token as read, at most TOKEN_MAX characters). */
  readonly tokens: readonly string[];
}

export interface Detection {
  category: Category;
  /** The rule that decided (stable id, documented in docs/abuse-protection.md). */
  rule: string;
  /** The lowest paranoia level at which that rule fires. */
  level: Level;
  /** What the rule recognises, in words. */
  reason: string;
  /** The token sequence that decided. Client data: redact before logging. */
  tokens: readonly string[];
  /** The matched part of the (decoded) value, at most FRAGMENT_MAX characters. Redact before logging. */
  fragment: string;
  /** Where the value was found: `query.q`, `body.user.name`, `header.referer`... */
  location?: string;
}

/**
 * What the value is used for, as the contract says: `url` turns on the SSRF checks for any URL-looking value,
 * `rendered` marks a field shown in a page, `path` a file name or path segment.
 */
export type ValueKind = 'url' | 'rendered' | 'path' | 'generic';

export interface DetectContext {
  kind?: ValueKind;
  /** Only these categories are checked; all when absent. */
  categories?: ReadonlySet<Category>;
  /** Paranoia level; 1 when absent. */
  level?: Level;
  /**
   * The value came where a line break can only be sent encoded (a query string, a form field, a cookie, a
   * header), so a newline in it was hidden on purpose and separates commands. Absent: a newline may have been
   * typed into a text field (JSON, XML, multipart), and only one that decoding revealed separates commands.
   */
  encodedNewlines?: boolean;
}

export const FRAGMENT_MAX = 64;
export const TOKEN_MAX = 32;

/** Cuts the matched fragment out of the value: at most FRAGMENT_MAX characters around [start, end). */
export function fragmentOf(value: string, start: number, end: number): string {
  const s = Math.max(0, Math.min(start, value.length));
  const e = Math.max(s, Math.min(end, value.length, s + FRAGMENT_MAX));
  return value.slice(s, e === s ? Math.min(value.length, s + FRAGMENT_MAX) : e);
}

/** A token for a Finding: the source text, shortened. */
export function tok(value: string, start: number, end: number): string {
  return end - start > TOKEN_MAX ? `${value.slice(start, start + TOKEN_MAX - 1)}…` : value.slice(start, end);
}

export function finding(rule: Rule, start: number, end: number, tokens: readonly string[]): Finding {
  return { rule, start, end, tokens };
}
