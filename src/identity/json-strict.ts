/**
 * Parses a JSON object the way a security check needs: refuses duplicate member names at any
 * depth. `JSON.parse` keeps the last duplicate while other parsers keep the first, so a token
 * such as `{"sub":"alice","sub":"admin"}` could mean two things to two components (RFC 7515
 * §5.2 and RFC 8725 §3.11 ask to refuse it). No JSON library in the dependency set reports
 * duplicates, so this small scanner walks the text once before `JSON.parse` builds the value.
 */
export function parseStrictObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return hasDuplicateKeys(text) ? undefined : value as Record<string, unknown>;
}

/** True when some object in the (already syntactically valid) JSON text repeats a member name. */
export function hasDuplicateKeys(text: string): boolean {
  // One set of names per open object; undefined marks an open array.
  const stack: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(undefined);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] !== undefined;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const names = stack[stack.length - 1];
        // Decode escapes so "a" and "\u0061" count as the same name.
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names !== undefined) {
          if (names.has(name)) return true;
          names.add(name);
        }
        expectKey = false;
      }
      i = end;
    }
  }
  return false;
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length - 1;
}
