// Varint writers shared by the general codec (src/codec) and the fast path
// (src/fast). Each takes the buffer and a position and returns the new
// position; the caller has made room.

/** Bytes a uint32 varint takes. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** A uint32 varint (0 to 2^32 - 1) at `pos`; returns the new position. */
export function writeVarint32(buf: Uint8Array, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/** An int32 varint (negatives sign-extended to 10 bytes, as protobuf writes them); the caller has checked the range. */
export function writeInt32(buf: Uint8Array, pos: number, value: number): number {
  if (value >= 0) return writeVarint32(buf, pos, value);
  for (let i = 0; i < 9; i++) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>= 7;
  }
  buf[pos++] = 1;
  return pos;
}
