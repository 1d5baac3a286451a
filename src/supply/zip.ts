/**
 * A small ZIP reader for OSV database archives (APPNOTE.TXT 6.3: central directory, ZIP64 and
 * deflate). Written by hand because it is ~100 lines over node:zlib and the archives we read are
 * plain: stored or deflated entries, no encryption, no multi-disk. Every entry is checked against
 * its CRC-32 and its declared size, and inflation is capped, so a crafted archive (zip bomb,
 * lying sizes) fails with a clear error instead of exhausting memory.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  read(): Buffer;
}

export class ZipFormatError extends Error {}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX = 0xffffffff;

export function listZipEntries(buf: Buffer, maxEntrySize = 64 * 1024 * 1024): ZipEntry[] {
  const eocd = findEocd(buf);
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  const loc = eocd - 20;
  if (loc >= 0 && buf.readUInt32LE(loc) === ZIP64_LOCATOR) {
    const z = num(buf.readBigUInt64LE(loc + 8));
    if (z + 56 > buf.length || buf.readUInt32LE(z) !== ZIP64_EOCD) throw new ZipFormatError('ZIP64 end record is missing');
    count = num(buf.readBigUInt64LE(z + 32));
    cdSize = num(buf.readBigUInt64LE(z + 40));
    cdOffset = num(buf.readBigUInt64LE(z + 48));
  }
  if (cdOffset + cdSize > buf.length) throw new ZipFormatError('central directory lies outside the file (truncated archive?)');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError(`central directory entry ${n} is corrupt`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    let compressed = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 extended information (APPNOTE 4.5.3): only the fields that overflowed are present, in this order.
    let x = p + 46 + nameLen;
    const extraEnd = x + extraLen;
    while (x + 4 <= extraEnd) {
      const id = buf.readUInt16LE(x);
      const len = buf.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (size === MAX) { size = num(buf.readBigUInt64LE(q)); q += 8; }
        if (compressed === MAX) { compressed = num(buf.readBigUInt64LE(q)); q += 8; }
        if (offset === MAX) offset = num(buf.readBigUInt64LE(q));
      }
      x += 4 + len;
    }
    p = extraEnd + commentLen;
    if (name.endsWith('/')) continue;
    const entryName = name;
    entries.push({
      name: entryName,
      size,
      read(): Buffer {
        if ((flags & 1) !== 0) throw new ZipFormatError(`${entryName}: encrypted entries are not supported`);
        if (size > maxEntrySize) throw new ZipFormatError(`${entryName}: ${size} bytes is over the ${maxEntrySize}-byte limit per entry`);
        if (offset + 30 > buf.length || buf.readUInt32LE(offset) !== LOCAL) throw new ZipFormatError(`${entryName}: local header is corrupt`);
        const start = offset + 30 + buf.readUInt16LE(offset + 26) + buf.readUInt16LE(offset + 28);
        if (start + compressed > buf.length) throw new ZipFormatError(`${entryName}: data runs past the end of the archive`);
        const raw = buf.subarray(start, start + compressed);
        let data: Buffer;
        if (method === 0) data = raw;
        else if (method === 8) {
          try {
            data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
          } catch (err) {
            throw new ZipFormatError(`${entryName}: cannot inflate (${(err as Error).message})`);
          }
        } else throw new ZipFormatError(`${entryName}: compression method ${method} is not supported`);
        if (data.length !== size || crc32(data) !== crc) throw new ZipFormatError(`${entryName}: size or CRC-32 does not match (corrupt archive)`);
        return data;
      },
    });
  }
  return entries;
}

function findEocd(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= stop; i--) {
    if (buf.readUInt32LE(i) === EOCD) return i;
  }
  throw new ZipFormatError('not a ZIP archive (no end-of-central-directory record)');
}

function num(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('ZIP64 value out of range');
  return Number(v);
}
