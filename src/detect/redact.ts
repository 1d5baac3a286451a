/**
 * Fragments go to logs, which must not become a copy of client data: the shape of the attack (its
 * punctuation and keywords' length) is kept, letters and digits are masked after the first two characters.
 */
export function redactFragment(fragment: string): string {
  let out = '';
  for (let i = 0; i < fragment.length; i++) {
    const ch = fragment[i] as string;
    out += i >= 2 && /[\p{L}\p{N}]/u.test(ch) ? '*' : ch;
  }
  return out;
}
