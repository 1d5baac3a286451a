import { describe, expect, it } from 'vitest';
import type { Operation } from '../../openapi/index.js';
import { encodeMultipart, encodeXml, xmlRootName } from './encode.js';

const op = (path: string): Operation => ({ path } as unknown as Operation);

describe('request bodies the newer checks encode', () => {
  it('writes multipart/form-data that a standard parser reads back, file parts included', async () => {
    const schema = { type: 'object', properties: { note: { type: 'string' }, file: { type: 'string', format: 'binary' }, tags: { type: 'array', items: { type: 'string' } } } };
    const { body, contentType } = encodeMultipart({
      note: 'line one\r\nline "two"', tags: ['a', 'b'], file: { filename: 'x.xml', contentType: 'application/xml', content: '<a>&amp;</a>' },
    }, schema);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=----ghscan[0-9a-f]{16}$/);
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    expect(form.get('note')).toBe('line one\r\nline "two"');
    expect(form.getAll('tags')).toEqual(['a', 'b']);
    const file = form.get('file') as File;
    expect(file.name).toBe('x.xml');
    expect(file.type).toBe('application/xml');
    expect(await file.text()).toBe('<a>&amp;</a>');
  });

  it('sends a binary property without a file part as a file anyway', async () => {
    const { body, contentType } = encodeMultipart({ upload: 'hello' }, { properties: { upload: { type: 'string', format: 'binary' } } });
    const file = (await new Response(body, { headers: { 'content-type': contentType } }).formData()).get('upload') as File;
    expect(await file.text()).toBe('hello');
  });

  it('writes XML from a schema: names, attributes, arrays, escaping, and raw entity references where asked', () => {
    const schema = {
      type: 'object', xml: { name: 'order' },
      properties: { id: { type: 'integer', xml: { attribute: true } }, note: { type: 'string' }, line: { type: 'array', items: { type: 'string' } }, ref: { type: 'string' } },
    };
    const xml = encodeXml(xmlRootName(op('/orders'), schema), { id: 7, note: 'a < b & "c"', line: ['x', 'y'], ref: '&e;' }, schema, { doctype: '<!DOCTYPE order>\n', raw: new Set(['&e;']) });
    expect(xml).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE order>\n<order id="7"><note>a &#60; b &#38; &#34;c&#34;</note><line>x</line><line>y</line><ref>&e;</ref></order>');
  });

  it('names the root element from the schema, else from the path', () => {
    expect(xmlRootName(op('/tickets/import'), undefined)).toBe('ticket');
    expect(xmlRootName(op('/v2/categories'), undefined)).toBe('category');
    expect(xmlRootName(op('/'), undefined)).toBe('root');
    expect(xmlRootName(op('/x'), { xml: { name: 'Invoice' } })).toBe('Invoice');
  });
});
