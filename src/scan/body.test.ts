import { describe, expect, it } from 'vitest';
import { bodyFormat, concreteType, encodeBody, encodeForm, encodeMultipart, encodeXml } from './body.js';

/** Parses a multipart body with the platform's own parser (undici's, behind Response.formData). */
async function parseMultipart(body: string, contentType: string): Promise<FormData> {
  return new Response(body, { headers: { 'content-type': contentType } }).formData();
}

describe('request bodies', () => {
  it('builds multipart/form-data with a boundary, text parts, JSON parts and file parts a parser reads back', async () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string' },
        count: { type: 'integer' },
        meta: { type: 'object', properties: { a: { type: 'integer' } } },
        file: { type: 'string', format: 'binary' },
        tags: { type: 'array', items: { type: 'string' } },
      },
    };
    const { body, contentType } = encodeMultipart(
      { title: 'it\'s "quoted"', count: 3, meta: { a: 1 }, file: 'hello', tags: ['x', 'y'] },
      { schema, encoding: { file: { contentType: 'text/plain' } } },
    );
    expect(contentType).toMatch(/^multipart\/form-data; boundary=\S+$/);
    const form = await parseMultipart(body, contentType);
    expect(form.get('title')).toBe('it\'s "quoted"');
    expect(form.get('count')).toBe('3');
    expect(JSON.parse(form.get('meta') as string)).toEqual({ a: 1 });
    expect(form.getAll('tags')).toEqual(['x', 'y']);
    const file = form.get('file') as File;
    expect(file).toBeInstanceOf(Blob);
    expect(file.name).toBe('gh-scan.txt');
    expect(file.type).toBe('text/plain');
    expect(await file.text()).toBe('hello');
  });

  it('picks a boundary that occurs in no part', async () => {
    const first = encodeMultipart({ a: 'x' });
    const boundary = /boundary=(\S+)/.exec(first.contentType)?.[1] as string;
    const clash = encodeMultipart({ a: `--${boundary}\r\nnot a part` });
    expect(clash.contentType).not.toContain(boundary);
    expect((await parseMultipart(clash.body, clash.contentType)).get('a')).toBe(`--${boundary}\r\nnot a part`);
  });

  it('encodes forms with repeated keys for arrays, a[b] for objects and JSON where the encoding says so', () => {
    const text = encodeForm({ name: 'a b&c', ids: [1, 2], filter: { status: 'open' }, doc: { x: 1 }, csv: [1, 2] }, {
      encoding: { doc: { contentType: 'application/json' }, csv: { explode: false } },
    });
    const parsed = new URLSearchParams(text);
    expect(parsed.get('name')).toBe('a b&c');
    expect(parsed.getAll('ids')).toEqual(['1', '2']);
    expect(parsed.get('filter[status]')).toBe('open');
    expect(JSON.parse(parsed.get('doc') as string)).toEqual({ x: 1 });
    expect(parsed.get('csv')).toBe('1,2');
  });

  it('builds XML from the schema: root name, attributes, wrapped arrays, namespaces and escaping', () => {
    const schema = {
      type: 'object',
      xml: { name: 'pet', namespace: 'urn:pets', prefix: 'p' },
      properties: {
        id: { type: 'integer', xml: { attribute: true } },
        name: { type: 'string' },
        tags: { type: 'array', xml: { wrapped: true }, items: { type: 'string', xml: { name: 'tag' } } },
      },
    };
    expect(encodeXml({ id: 7, name: 'a<b & "c"', tags: ['x', 'y'] }, { schema })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<p:pet xmlns:p="urn:pets" id="7"><name>a&lt;b &amp; &quot;c&quot;</name><tags><tag>x</tag><tag>y</tag></tags></p:pet>',
    );
    // Without an xml name the component's name is the root, and a control character never gets in.
    expect(encodeXml({ note: 'a\u0001b' }, { schema: { type: 'object' }, schemaName: () => 'Order' })).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<Order><note>ab</note></Order>');
    expect(encodeXml([1, 2], {})).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<root><item>1</item><item>2</item></root>');
  });

  it('chooses the encoding from the media type and makes wildcards concrete', () => {
    expect(bodyFormat('Multipart/Form-Data')).toBe('multipart');
    expect(bodyFormat('application/soap+xml; charset=utf-8')).toBe('xml');
    expect(bodyFormat('application/vnd.api+json')).toBe('json');
    expect(concreteType('*/*')).toBe('application/json');
    expect(encodeBody({ a: 1 }, 'application/x-www-form-urlencoded')).toEqual({ body: 'a=1', contentType: 'application/x-www-form-urlencoded' });
    expect(encodeBody('plain', 'text/plain').body).toBe('plain');
    expect(encodeBody({ a: 1 }, '*/*')).toEqual({ body: '{"a":1}', contentType: 'application/json' });
  });
});
