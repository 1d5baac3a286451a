import { isScalar, parseDocument, visit } from 'yaml';
import { Redactor } from '../secrets/redact.js';

const MASK = '********';
/** Keys whose literal values are credentials whatever they hold. */
const SECRET_KEY = /(password|passwd|secret|token|apikey|api_key|privatekey|hashkey|credentials?)$/i;
/** `scheme://user:password@host`: a password written into a connection URL. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi;

/**
 * The config file's text as the admin API shows it. Three nets, because a secret can reach a
 * config file three ways: a `${secret:…}` reference resolved at load (masked by value, wherever
 * the value was also written literally), a literal under a key that names a credential, and a
 * password inside a connection URL. References themselves stay: they say where a secret comes
 * from, not what it is.
 */
export function maskConfigText(text: string, secretValues: readonly string[]): string {
  const redactor = new Redactor();
  for (const value of secretValues) redactor.add(value);
  let masked = text;
  try {
    const doc = parseDocument(text, { keepSourceTokens: false });
    if (doc.errors.length === 0) {
      visit(doc, {
        Pair(_key, pair) {
          if (!isScalar(pair.key) || !isScalar(pair.value)) return;
          const value = pair.value.value;
          if (typeof value === 'string' && SECRET_KEY.test(String(pair.key.value)) && !value.startsWith('${') && value !== '') pair.value.value = MASK;
        },
      });
      masked = doc.toString();
    }
  } catch {
    // Unparseable text cannot be serving; the value-based and URL nets below still apply.
  }
  return redactor.redact(masked).replace(URL_PASSWORD, `$1${MASK}@`);
}
