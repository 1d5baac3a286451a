import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeZip } from '../../test/supply/zip-writer.js';
import { ZipFormatError, listZipEntries } from './zip.js';

describe('the ZIP reader', () => {
  it('reads stored and deflated entries and skips folders', () => {
    const zip = writeZip([{ name: 'a/', data: '' }, { name: 'a/x.json', data: '{"id":"X"}' }, { name: 'y.json', data: 'y'.repeat(5000), store: true }]);
    const entries = listZipEntries(zip);
    expect(entries.map((e) => e.name)).toEqual(['a/x.json', 'y.json']);
    expect(entries[0]?.read().toString()).toBe('{"id":"X"}');
    expect(entries[1]?.read().length).toBe(5000);
  });

  it('reads ZIP64 end records (archives of more than 65535 entries use them)', () => {
    const zip = writeZip([{ name: 'a.json', data: '1' }, { name: 'b.json', data: '2' }], { zip64: true });
    expect(listZipEntries(zip).map((e) => e.read().toString())).toEqual(['1', '2']);
  });

  it('detects a corrupted entry by its CRC-32', () => {
    const zip = writeZip([{ name: 'a.json', data: 'hello world', store: true }]);
    const at = 30 + 'a.json'.length;
    zip.writeUInt8(zip.readUInt8(at) ^ 0xff, at);
    expect(() => listZipEntries(zip)[0]?.read()).toThrow(/CRC-32/);
  });

  it('stops inflating at the declared size (zip bomb)', () => {
    const zip = writeZip([{ name: 'bomb.json', data: 'x' }]);
    // Swap in 10 MB of zeros that deflate to a few KB while the headers still say 1 byte.
    const bomb = deflateRawSync(Buffer.alloc(10_000_000));
    const lying = Buffer.concat([zip.subarray(0, 30 + 9), bomb]);
    lying.writeUInt32LE(bomb.length, 18);
    const central = Buffer.from(zip.subarray(30 + 9 + (zip.readUInt32LE(18)))); // central dir + end
    central.writeUInt32LE(bomb.length, 20);
    central.writeUInt32LE(lying.length, central.length - 22 + 16);
    const entries = listZipEntries(Buffer.concat([lying, central]));
    expect(() => entries[0]?.read()).toThrow(/cannot inflate/);
  });

  it('refuses what is not a ZIP archive, and a truncated one', () => {
    expect(() => listZipEntries(Buffer.from('{"id":"not a zip"}'))).toThrow(/not a ZIP archive/);
    const zip = writeZip([{ name: 'a.json', data: 'z'.repeat(100) }]);
    expect(() => listZipEntries(zip.subarray(20))).toThrow(ZipFormatError);
  });
});
