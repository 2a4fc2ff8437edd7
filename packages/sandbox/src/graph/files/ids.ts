import { createHash, randomBytes } from 'node:crypto';

/**
 * Identifiers shaped like OneDrive for Business ones: drive IDs `b!` + 64 base64url characters, item IDs `01` + 32
 * base32 characters, plus the QuickXorHash OneDrive reports for file contents.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** A deterministic 32-bit seed for Faker from any identifying strings. */
export function seedOf(...parts: string[]): number {
  return digest(...parts).readUInt32BE(0);
}

/**
 * A drive ID that names its owner: the owner's 16-byte object ID followed by a hash bound to the tenant, so
 * `/drives/{id}` can find (and lazily create) a user's drive without a lookup table.
 */
export function driveIdFor(tenantId: string, ownerId: string): string {
  const owner = Buffer.from(ownerId.replace(/-/g, ''), 'hex');
  return `b!${Buffer.concat([owner, digest('drive', tenantId, ownerId)]).toString('base64url')}`;
}

/** The owner object ID a drive ID carries, if it is one of this tenant's. */
export function ownerOfDriveId(tenantId: string, driveId: string): string | undefined {
  if (!driveId.startsWith('b!')) return undefined;
  const bytes = Buffer.from(driveId.slice(2), 'base64url');
  if (bytes.length !== 48) return undefined;
  const hex = bytes.subarray(0, 16).toString('hex');
  const ownerId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return driveIdFor(tenantId, ownerId) === driveId ? ownerId : undefined;
}

/** A stable item ID for seeded content, or a random one for new items. */
export function itemId(...seedParts: string[]): string {
  const bytes = seedParts.length > 0 ? digest('item', ...seedParts) : randomBytes(20);
  return `01${base32(bytes).slice(0, 32)}`;
}

export function guidFrom(bytes: Buffer): string {
  const hex = bytes.subarray(0, 16).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const WIDTH_BITS = 160;
const SHIFT = 11;

/**
 * OneDrive's QuickXorHash (160-bit): every byte is XORed in at a position that advances 11 bits per byte, then the
 * length is XORed into the last 8 bytes. Bytes 160 apart land on the same position, so they are folded first.
 */
export function quickXorHash(data: Buffer): string {
  const folded = new Uint8Array(WIDTH_BITS);
  for (let i = 0; i < data.length; i++) folded[i % WIDTH_BITS]! ^= data[i]!;
  const cells = [0n, 0n, 0n];
  const cellBits = [64, 64, 32];
  let cell = 0;
  let offset = 0;
  const rounds = Math.min(data.length, WIDTH_BITS);
  for (let i = 0; i < rounds; i++) {
    const bits = cellBits[cell]!;
    const byte = BigInt(folded[i]!);
    cells[cell] = cells[cell]! ^ (byte << BigInt(offset));
    if (offset > bits - 8) {
      const next = cell === 2 ? 0 : cell + 1;
      cells[next] = cells[next]! ^ (byte >> BigInt(bits - offset));
    }
    offset += SHIFT;
    if (offset >= bits) {
      offset -= bits;
      cell = cell === 2 ? 0 : cell + 1;
    }
  }
  const out = Buffer.alloc(20);
  const mask64 = (1n << 64n) - 1n;
  out.writeBigUInt64LE(cells[0]! & mask64, 0);
  out.writeBigUInt64LE(cells[1]! & mask64, 8);
  out.writeUInt32LE(Number(cells[2]! & 0xffffffffn), 16);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(data.length));
  for (let i = 0; i < 8; i++) out[12 + i]! ^= length[i]!;
  return out.toString('base64');
}
