/**
 * HMAC secrets that tokens are found signed with: framework and tutorial defaults, placeholders
 * left in config files, and common passwords. Our own list, kept short enough to try offline in
 * milliseconds; the API's own name variants (`nameVariants`) are added per scan.
 */
export const COMMON_SECRETS: readonly string[] = [
  '', 'secret', 'Secret', 'SECRET', 'secretkey', 'secret_key', 'secret-key', 'SecretKey', 'SECRET_KEY', 'secret123', 'Secret123',
  'secret1', 'secret!', 'secret@123', 'Secret@123', 'secretsecret', 'secret-secret', 'secretpassword', 'secret_password', 'secretjwt',
  'mysecret', 'my_secret', 'my-secret', 'mysecretkey', 'my_secret_key', 'my-secret-key', 'mySecretKey', 'MySecretKey', 'mykey', 'my_key',
  'my-key', 'mykey123', 'mypassword', 'my_password', 'supersecret', 'super_secret', 'super-secret', 'supersecretkey', 'super-secret-key',
  'super_secret_key', 'SuperSecret', 'SuperSecretKey', 'topsecret', 'top_secret', 'top-secret', 'verysecret', 'very_secret', 's3cr3t',
  's3cret', 'secr3t', 'S3cr3t', 'thesecret', 'the_secret', 'somesecret', 'some_secret', 'some-secret', 'some-secret-key', 'somesecretkey',
  'thisismysecret', 'this_is_my_secret', 'thisisasecret', 'ThisIsMySecret', 'this-is-a-secret', 'notasecret', 'not_a_secret', 'not-a-secret',
  'not-so-secret', 'nosecret', 'no-secret', 'shhh', 'shhhh', 'shhhhh', 'shhhhhhared-secret', 'keyboard cat', 'keyboardcat', 'keyboard_cat',
  'your-256-bit-secret', 'your-384-bit-secret', 'your-512-bit-secret', 'your_jwt_secret', 'your-jwt-secret', 'yourjwtsecret',
  'your-secret-key', 'your_secret_key', 'yoursecretkey', 'your-secret', 'your_secret', 'yoursecret', 'YOUR_SECRET_KEY', 'YOUR_SECRET',
  'your-secret-here', 'your_secret_here', 'secret-here', 'put-your-secret-here', 'replace_me', 'replaceme', 'replace-me', 'REPLACE_ME',
  'change_me', 'changeme', 'change-me', 'CHANGEME', 'changeit', 'change-this', 'changethis', 'change_this', 'changeme123', 'CHANGE_ME',
  'todo', 'TODO', 'fixme', 'FIXME', 'default', 'default_secret', 'defaultsecret', 'default-secret', 'default_key', 'defaultkey',
  'jwt', 'JWT', 'jwt_secret', 'jwt-secret', 'jwtsecret', 'JWT_SECRET', 'jwtSecret', 'JwtSecret', 'jwt_key', 'jwt-key', 'jwtkey', 'jwtKey',
  'jwt_secret_key', 'jwt-secret-key', 'jwtSecretKey', 'jwt_token', 'jwt-token', 'jwttoken', 'jwt123', 'jwtpass', 'jwtpassword',
  'jwt_password', 'jsonwebtoken', 'json-web-token', 'webtoken', 'token', 'Token', 'TOKEN', 'token_secret', 'tokensecret', 'token-secret',
  'TOKEN_SECRET', 'tokenkey', 'token_key', 'access', 'access_secret', 'access-secret', 'accesssecret', 'access_token', 'access_token_secret',
  'accesstoken', 'ACCESS_TOKEN_SECRET', 'refresh', 'refresh_secret', 'refresh-secret', 'refresh_token_secret', 'REFRESH_TOKEN_SECRET',
  'auth', 'auth_secret', 'authsecret', 'auth-secret', 'AUTH_SECRET', 'authkey', 'auth_key', 'auth-key', 'authentication', 'authorization',
  'api', 'apikey', 'api_key', 'api-key', 'API_KEY', 'api_secret', 'api-secret', 'apisecret', 'API_SECRET', 'app', 'app_secret', 'appsecret',
  'app-secret', 'APP_SECRET', 'app_key', 'appkey', 'application', 'application_secret', 'session', 'session_secret', 'sessionsecret',
  'session-secret', 'SESSION_SECRET', 'cookie_secret', 'cookiesecret', 'cookie-secret', 'hmac', 'hmac_secret', 'hmacsecret', 'hmac-secret',
  'hmackey', 'signing_key', 'signingkey', 'signing-key', 'signing_secret', 'sign', 'signature', 'private', 'privatekey', 'private_key',
  'private-key', 'privkey', 'public', 'publickey', 'master', 'masterkey', 'master_key', 'master-key', 'encryption_key', 'encryptionkey',
  'crypto', 'cipher', 'salt', 'pepper', 'key', 'Key', 'KEY', 'key123', 'hs256', 'HS256', 'hs256-secret', 'hs512', 'HS512', 'bearer',
  'oauth', 'oauth2', 'openid', 'password', 'Password', 'PASSWORD', 'password1', 'password123', 'Password123', 'Password1', 'passw0rd',
  'Passw0rd', 'P@ssw0rd', 'p@ssw0rd', 'P@ssword', 'pa55word', 'p4ssw0rd', 'pass', 'pass123', 'passpass', 'passwd', 'pwd', 'letmein',
  'welcome', 'Welcome1', 'welcome123', 'hello', 'helloworld', 'hello_world', 'hello-world', 'HelloWorld', 'foobar', 'foo', 'bar', 'baz',
  'qux', 'test', 'Test', 'TEST', 'test123', 'testing', 'tester', 'testsecret', 'test_secret', 'test-secret', 'testkey', 'test_key',
  'secret-test', 'dev', 'development', 'devsecret', 'dev_secret', 'dev-secret', 'secret-dev', 'devkey', 'dev_key', 'local', 'localhost',
  'localsecret', 'local_secret', 'prod', 'production', 'staging', 'stage', 'qa', 'demo', 'demo_secret', 'demosecret', 'example',
  'example_secret', 'examplesecret', 'sample', 'sample_secret', 'dummy', 'dummysecret', 'dummy_secret', 'fake', 'mock', 'insecure',
  'unsafe', 'random', 'randomsecret', 'random_secret', 'random-secret', 'randomkey', 'anything', 'whatever', 'something', 'none', 'null',
  'nil', 'undefined', 'true', 'false', 'admin', 'Admin', 'ADMIN', 'admin123', 'Admin123', 'admin@123', 'administrator', 'root', 'root123',
  'toor', 'user', 'users', 'guest', 'login', 'server', 'backend', 'node', 'nodejs', 'express', 'expressjs', 'flask', 'django',
  'django-insecure', 'rails', 'secret_key_base', 'spring', 'laravel', 'python', 'java', 'golang', 'docker', 'kubernetes', 'github',
  'gitlab', 'firebase', 'supabase', 'super-secret-jwt-token-with-at-least-32-characters-long', 'nextauth', 'NEXTAUTH_SECRET', 'keycloak',
  'auth0', 'okta', 'cognito', 'a', 'x', 'xxx', 'xxxx', 'abc', 'abc123', 'abcd', 'abcdef', 'abcd1234', 'abcdefgh', 'qwerty', 'qwerty123',
  'qwertyuiop', 'asdf', 'asdfgh', 'asdfghjkl', 'zxcvbn', 'qazwsx', 'zaq12wsx', '1q2w3e4r', '1qaz2wsx', '0', '1', '12', '123', '1234',
  '12345', '123456', '1234567', '12345678', '123456789', '1234567890', '0123456789', '111111', '000000', '123123', '654321', '666666',
  'iloveyou', 'monkey', 'dragon', 'sunshine', 'princess', 'football', 'baseball', 'trustno1', 'hunter2', 'starwars', 'batman', 'superman',
  'pokemon', 'matrix', 'ninja', 'mustang', 'shadow', 'michael', 'jordan', 'freedom', 'whatever123', 'love', 'god', 'changemeplease',
  'my-32-character-ultra-secure-and-ultra-long-secret', 'a-string-secret-at-least-256-bits-long', 'secretOrPrivateKey', 'secretOrKey',
  'process.env.JWT_SECRET', '${JWT_SECRET}', '%JWT_SECRET%', 'JWT_SECRET_KEY', 'jwt_secret_key_here', 'your_jwt_secret_key',
  'your-jwt-secret-key', 'jwt-secret-key-here', 'mysupersecretkey', 'mysupersecret', 'my_super_secret', 'my-super-secret',
  'my-super-secret-key', 'my_super_secret_key', 'verysecretkey', 'very-secret-key', 'very_secret_key', 'ultrasecret', 'ultra-secret',
];

/** Suffixes and prefixes people put around a name to make a secret out of it. */
const SUFFIXES = ['', 'secret', '-secret', '_secret', 'Secret', 'key', '-key', '_key', 'Key', 'secretkey', '-secret-key', '_secret_key',
  'jwt', '-jwt', '_jwt', '-jwt-secret', '_jwt_secret', 'token', '-token', '_token', 'api', '-api', '_api', '123', '1234', '!', '1', '@123',
  '2020', '2021', '2022', '2023', '2024', '2025', '2026', '-dev', '_dev', '-test', '_test', '-prod', '_prod'];
const PREFIXES = ['', 'jwt-', 'jwt_', 'secret-', 'secret_', 'my'];

/**
 * Secrets made from an API's own names: its title, its server host names and base-path segments,
 * alone and joined, in the usual cases, with common suffixes (`shop-secret`, `ShopApi2024`).
 */
export function nameVariants(names: readonly string[]): string[] {
  const groups: string[][] = [];
  const seen = new Set<string>();
  const addGroup = (g: string[]): void => {
    if (!seen.has(g.join(' '))) { seen.add(g.join(' ')); groups.push(g); }
  };
  for (const name of names) {
    const parts = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 2 && !/^(v\d+|api|the|and|for|of|www|com|org|net|io|http|https|localhost|\d+)$/.test(w)).slice(0, 4);
    for (const w of parts) addGroup([w]);
    for (let i = 0; i + 1 < parts.length; i++) addGroup([parts[i] as string, parts[i + 1] as string]);
    if (parts.length > 2) addGroup(parts);
  }
  const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
  const out = new Set<string>();
  for (const g of groups) {
    const styles = new Set([g.join(''), g.join('-'), g.join('_'), g.map(cap).join(''), g[0] + g.slice(1).map(cap).join(''), cap(g.join('')),
      g.join('_').toUpperCase(), g.join('').toUpperCase()]);
    for (const b of styles) {
      for (const suffix of SUFFIXES) out.add(`${b}${/^[A-Z0-9_]+$/.test(b) ? suffix.toUpperCase() : suffix}`);
      for (const p of PREFIXES) out.add(`${p}${b}`);
      out.add(`${b}${b}`);
    }
  }
  return [...out];
}
