/** RFC 6901 JSON pointer helpers shared by the loader, the locators and reports. */

export function escapeToken(token: string): string {
  return token.includes('~') || token.includes('/') ? token.replaceAll('~', '~0').replaceAll('/', '~1') : token;
}

export function unescapeToken(token: string): string {
  return token.includes('~') ? token.replaceAll('~1', '/').replaceAll('~0', '~') : token;
}

export function toPointer(tokens: readonly (string | number)[]): string {
  let out = '';
  for (const t of tokens) out += '/' + escapeToken(String(t));
  return out;
}

/** Splits a pointer (`''` is the whole document). Returns undefined for a malformed pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map(unescapeToken);
}

/** Walks a parsed value along pointer tokens; `undefined` when a token does not exist. */
export function getAt(root: unknown, tokens: readonly string[]): unknown {
  let node = root;
  for (const t of tokens) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t)) return undefined;
      node = node[Number(t)];
    } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, t)) {
      node = (node as Record<string, unknown>)[t];
    } else {
      return undefined;
    }
  }
  return node;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
