/** The injection categories the detectors recognise. Stable names: they appear in logs, metrics and config. */
export type Category = 'sqli' | 'nosqli' | 'cmdi' | 'path-traversal' | 'ssrf' | 'xss' | 'prototype-pollution';

export const CATEGORIES: readonly Category[] = [
  'sqli', 'nosqli', 'cmdi', 'path-traversal', 'ssrf', 'xss', 'prototype-pollution',
];

export interface Detection {
  category: Category;
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
}

export const FRAGMENT_MAX = 64;

/** Cuts the matched fragment out of the value: at most FRAGMENT_MAX characters around [start, end). */
export function fragmentOf(value: string, start: number, end: number): string {
  const s = Math.max(0, Math.min(start, value.length));
  const e = Math.max(s, Math.min(end, value.length, s + FRAGMENT_MAX));
  return value.slice(s, e === s ? Math.min(value.length, s + FRAGMENT_MAX) : e);
}
