import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpecFromString } from '../../src/openapi/index.js';
import { buildThreatModel, formatHtml, formatMarkdown } from '../../src/threat/index.js';

/*
 * The report is opened by people, from a spec someone else may have written: every value from
 * it must arrive as text. The attack is a spec whose title, summaries, operation ids, parameter
 * and property names carry markup; the report is opened in headless Chromium, which must run
 * nothing, fetch nothing, and show the markup as the characters it is.
 */
const PAYLOADS = [
  '<script>window.__pwned = 1</script>',
  '"><img src=x onerror="window.__pwned=2">',
  '</style><style>body{background:url(http://127.0.0.1:9/x)}</style>',
  "'><svg onload=window.__pwned=3>",
  '`<iframe src=//example.com>`',
];

const hostile = `
openapi: 3.0.3
info: { title: ${JSON.stringify(`Shop ${PAYLOADS[0]}`)}, version: ${JSON.stringify(PAYLOADS[3])} }
servers: [{ url: 'http://shop.example/<b>' }]
paths:
  /users/{userId}:
    get:
      operationId: ${JSON.stringify(`get${PAYLOADS[1]}`)}
      summary: ${JSON.stringify(`Get ${PAYLOADS[2]}`)}
      security: []
      parameters:
        - { name: userId, in: path, required: true, schema: { type: integer } }
        - { name: ${JSON.stringify(`q${PAYLOADS[4]}`)}, in: query, schema: { type: string } }
      responses:
        '200':
          description: ${JSON.stringify(PAYLOADS[0])}
          content:
            application/json:
              schema:
                type: object
                properties:
                  ${JSON.stringify(`email${PAYLOADS[1]}`)}: { type: string, format: email }
                  password: { type: string, description: ${JSON.stringify(PAYLOADS[0])} }
`;

const model = buildThreatModel(loadSpecFromString(hostile, '/virtual/hostile.yaml'));
const html = formatHtml(model, '/virtual');

const TAGS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'h3', 'ul', 'li', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'section', 'article', 'p', 'span', 'strong']);
const ATTRIBUTES = new Set(['lang', 'charset', 'http-equiv', 'content', 'name', 'class', 'id', 'href']);

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser.close();
});

describe('the HTML report escapes everything from the spec', () => {
  it('has the hostile values in it, as text', () => {
    expect(model.operations.length).toBe(1);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;');
  });

  it('contains only the report\'s own elements and attributes, and links only within itself', () => {
    const tags = [...html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)];
    expect(tags.length).toBeGreaterThan(50);
    for (const [whole, name, attrs] of tags) {
      expect(TAGS.has((name as string).toLowerCase()), whole).toBe(true);
      for (const [, attr, value] of (attrs as string).matchAll(/\s([\w-]+)(?:="([^"]*)")?/g)) {
        expect(ATTRIBUTES.has(attr as string), whole).toBe(true);
        if (attr === 'href') expect(value, whole).toMatch(/^#op-\d+$/);
      }
    }
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">');
  });

  it('runs nothing and fetches nothing when opened in a browser', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    await page.route('**/*', async (route) => { requests.push(route.request().url()); await route.abort(); });
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await page.setContent(html, { waitUntil: 'load' });
    // A string, evaluated in the page: this package is compiled without DOM types.
    const seen = await page.evaluate(`({
      pwned: window.__pwned,
      active: document.querySelectorAll('script, img, svg, iframe, object, embed, link').length,
      styles: document.querySelectorAll('style').length,
      text: document.body.textContent ?? '',
      title: document.title,
    })`) as { pwned: unknown; active: number; styles: number; text: string; title: string };
    expect(seen.pwned).toBeUndefined();
    expect(seen.active).toBe(0);
    expect(seen.styles).toBe(1);
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(seen.title).toContain('<script>window.__pwned = 1</script>');
    for (const payload of [PAYLOADS[1], PAYLOADS[2]]) expect(seen.text).toContain(payload);
    await page.close();
  });

  it('still renders the report itself: one article per threat, the ranking table, the styles', async () => {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    const shown = await page.evaluate(`({
      threats: document.querySelectorAll('article.threat').length,
      rows: document.querySelectorAll('tbody tr').length,
      border: getComputedStyle(document.querySelector('article.threat.none')).borderLeftColor,
    })`) as { threats: number; rows: number; border: string };
    expect(shown.threats).toBe(model.totals.threats);
    expect(shown.threats).toBeGreaterThan(3);
    expect(shown.rows).toBe(1);
    expect(shown.border).toBe('rgb(198, 40, 40)');
    await page.close();
  });
});

describe('the Markdown report escapes markup from the spec', () => {
  it('leaves no raw tag outside code spans', () => {
    const md = formatMarkdown(model, '/virtual');
    const outsideCode = md.split(/`+[^`]*`+/).join('');
    expect(outsideCode).toMatch(/\\<(script|img|svg|style|iframe)/i);
    expect(outsideCode).not.toMatch(/(?<!\\)<(script|img|svg|style|iframe)/i);
    expect(md).toContain('\\<script\\>');
  });
});
