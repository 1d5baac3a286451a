/**
 * Sensitive-data classification of single values, by shape: what kind of personal or secret data
 * a string looks like. Pure functions, linear scans, no regular expression that can backtrack.
 * Used by response masking (mask by category) and by the inventory (which fields carry what).
 */
export type SensitiveCategory = 'email' | 'card' | 'phone' | 'ssn' | 'iban' | 'jwt' | 'secret' | 'ipv4';

export const SENSITIVE_CATEGORIES: readonly SensitiveCategory[] = ['email', 'card', 'phone', 'ssn', 'iban', 'jwt', 'secret', 'ipv4'];

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}$/;
const SSN = /^\d{3}-\d{2}-\d{4}$/;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
const JWT = /^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
/** Vendor key prefixes that mark a value as a credential whatever its field name. */
const SECRET_PREFIXES = ['sk_live_', 'sk_test_', 'rk_live_', 'ghp_', 'gho_', 'ghs_', 'github_pat_', 'xoxb-', 'xoxp-', 'AKIA', 'ASIA', 'AIza', 'glpat-', 'gh_live_', '-----BEGIN'];

/** The category of a value, or undefined. Cheap rejections first: most values are none. */
export function classifyValue(value: string): SensitiveCategory | undefined {
  const length = value.length;
  if (length < 7 || length > 4096) return undefined;
  if (value.includes('@')) return EMAIL.test(value) ? 'email' : undefined;
  for (const prefix of SECRET_PREFIXES) if (value.startsWith(prefix)) return 'secret';
  if (value.startsWith('eyJ') && JWT.test(value)) return 'jwt';
  const first = value.charCodeAt(0);
  if (SSN.test(value)) return 'ssn';
  if (first >= 65 && first <= 90 && IBAN.test(value.replaceAll(' ', '')) && ibanChecksumOk(value.replaceAll(' ', ''))) return 'iban';
  if (IPV4.test(value)) return 'ipv4';
  const digits = digitsOf(value);
  if (digits !== undefined) {
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return 'card';
    if (digits.length >= 9 && digits.length <= 15 && looksLikePhone(value)) return 'phone';
  }
  return undefined;
}

/** The digits of a value made only of digits and separators (space, -, ., parentheses, +), else undefined. */
function digitsOf(value: string): string | undefined {
  let digits = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += value[i];
    else if (c !== 32 && c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 43) return undefined;
  }
  return digits;
}

function looksLikePhone(value: string): boolean {
  // A phone number is written with a leading + or separators; a bare 10-digit run is as likely an id.
  return value.startsWith('+') || value.includes(' ') || value.includes('-') || value.includes('(');
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0 && !/^0+$/.test(digits);
}

function ibanChecksumOk(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : ch;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** Field names that mark a value as sensitive whatever it looks like. */
const SENSITIVE_NAMES = ['password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'privatekey', 'private_key', 'ssn', 'creditcard', 'cardnumber', 'cvv', 'cvc', 'pin', 'passwordhash', 'salt', 'otp', 'mfa'];

export function isSensitiveName(name: string): boolean {
  const lower = name.toLowerCase().replaceAll('-', '_');
  const compact = lower.replaceAll('_', '');
  return SENSITIVE_NAMES.some((n) => lower === n || compact === n.replaceAll('_', '') || compact.endsWith(n.replaceAll('_', '')));
}
