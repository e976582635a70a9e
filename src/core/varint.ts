/**
 * A reader of unsigned little-endian base-128 integers (seven bits a byte, high bit set
 * while more follow), the form both git's deltas and xz's index use.
 *
 * @example const next = varintReader(Buffer.from([0xe5, 0x8e, 0x26])); next() // 624485
 */
export function varintReader(buf: Uint8Array, start = 0): {read: () => number; position: () => number} {
  let pos = start
  return {
    read(): number {
      let value = 0
      for (let shift = 0; ; shift += 7) {
        if (pos >= buf.length) throw new Error('varint runs past the end of its data')
        const byte = buf[pos++]
        value += (byte & 0x7f) * 2 ** shift
        if ((byte & 0x80) === 0) return value
        if (shift > 49) throw new Error('varint too long')
      }
    },
    position: () => pos,
  }
}
