import { describe, expect, it } from 'vitest';
import { Redactor } from './redact.js';

describe('the redactor', () => {
  const r = new Redactor();
  r.add('hunter2-hunter2');
  r.add('s3cr3t/with+chars=');
  r.add('ab');

  it('masks every known value, plain, URL-encoded and base64', () => {
    expect(r.redact('login failed for hunter2-hunter2 at x')).toBe('login failed for [secret] at x');
    expect(r.redact('GET /cb?sig=s3cr3t%2Fwith%2Bchars%3D')).toBe('GET /cb?sig=[secret]');
    expect(r.redact(`authorization: Basic ${Buffer.from('hunter2-hunter2').toString('base64')}`)).toBe('authorization: Basic [secret]');
  });

  it('masks a value containing another whole', () => {
    const x = new Redactor();
    x.add('abcd');
    x.add('abcdefgh');
    expect(x.redact('abcdefgh abcd')).toBe('[secret] [secret]');
  });

  it('leaves very short values alone so logs stay readable', () => {
    expect(r.redact('absolutely fine')).toBe('absolutely fine');
  });

  it('masks an error message and its causes', () => {
    const err = new Error('upstream said no', { cause: new Error('bad token hunter2-hunter2') });
    expect(r.redactError(err)).toBe('upstream said no: caused by: bad token [secret]');
    expect(r.streamWrite('{"msg":"hunter2-hunter2"}\n')).toBe('{"msg":"[secret]"}\n');
  });
});
