/**
 * zstd frames made only of "raw" (stored) blocks. Node 20 has no zstd compressor and the
 * project takes no extra dependency for the benchmark; raw blocks are valid zstd (RFC 8878
 * §3.1.1.2) that dpkg and every decoder read, so a `.deb` with `data.tar.zst` exercises
 * the zstd read path, only without the size saving.
 */
const MAGIC = 0xfd2fb528
// Block_Maximum_Size is min(Window_Size, 128 KiB).
const MAX_BLOCK = 128 * 1024

/** Wraps bytes in one zstd frame. Example: `zstdRawFrame(Buffer.from('hello'))` */
export function zstdRawFrame(data: Buffer): Buffer {
  const blockCount = Math.max(1, Math.ceil(data.length / MAX_BLOCK))
  const out = Buffer.alloc(4 + 1 + 8 + blockCount * 3 + data.length)
  out.writeUInt32LE(MAGIC, 0)
  // Frame_Header_Descriptor: Frame_Content_Size_flag = 3 (8-byte size), Single_Segment = 1,
  // no checksum, no dictionary. Single segment means no Window_Descriptor byte.
  out[4] = (3 << 6) | (1 << 5)
  out.writeBigUInt64LE(BigInt(data.length), 5)
  let pos = 13
  for (let i = 0; i < blockCount; i++) {
    const start = i * MAX_BLOCK
    const size = Math.min(MAX_BLOCK, data.length - start)
    const last = i === blockCount - 1 ? 1 : 0
    // Block_Header: bit 0 Last_Block, bits 1-2 Block_Type (0 = Raw), bits 3-23 Block_Size.
    out.writeUIntLE(last | (0 << 1) | (size << 3), pos, 3)
    pos += 3
    data.copy(out, pos, start, start + size)
    pos += size
  }
  return out
}
