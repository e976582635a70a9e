import zlib from 'node:zlib'

/** A decoded image: width, height and 4 bytes (RGBA) a pixel, row by row. */
export interface Rgba {
  width: number
  height: number
  data: Uint8Array
}

/**
 * Decodes the PNGs Chromium writes (8-bit RGB or RGBA, not interlaced), enough for a
 * test to look at what was rendered; anything else throws.
 */
export function decodePng(png: Buffer): Rgba {
  if (png.subarray(1, 4).toString() !== 'PNG') throw new Error('not a PNG')
  let off = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat: Buffer[] = []
  while (off < png.length) {
    const len = png.readUInt32BE(off)
    const type = png.subarray(off + 4, off + 8).toString('latin1')
    const body = png.subarray(off + 8, off + 8 + len)
    if (type === 'IHDR') {
      width = body.readUInt32BE(0)
      height = body.readUInt32BE(4)
      const [depth, colour, , , interlace] = body.subarray(8, 13)
      if (depth !== 8 || interlace !== 0 || (colour !== 2 && colour !== 6)) throw new Error(`unsupported PNG (depth ${depth}, colour ${colour}, interlace ${interlace})`)
      channels = colour === 6 ? 4 : 3
    } else if (type === 'IDAT') idat.push(body)
    else if (type === 'IEND') break
    off += 12 + len
  }
  const raw = zlib.inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const rows = new Uint8Array(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? rows[y * stride + x - channels] : 0
      const b = y > 0 ? rows[(y - 1) * stride + x] : 0
      const c = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels] : 0
      const p = a + b - c
      const pa = Math.abs(p - a)
      const pb = Math.abs(p - b)
      const pc = Math.abs(p - c)
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]
      if (predictor === undefined) throw new Error(`bad PNG filter ${filter}`)
      rows[y * stride + x] = (line[x] + predictor) & 0xff
    }
  }
  const data = new Uint8Array(width * height * 4)
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) data[i * 4 + k] = rows[i * channels + k]
    data[i * 4 + 3] = channels === 4 ? rows[i * channels + 3] : 255
  }
  return {width, height, data}
}

/** For each row, the share of its pixels that differ clearly from the top-left pixel (the page's background). */
export function inkByRow(img: Rgba): number[] {
  const bg = img.data.subarray(0, 3)
  const out: number[] = []
  for (let y = 0; y < img.height; y++) {
    let ink = 0
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4
      if (Math.abs(img.data[i] - bg[0]) + Math.abs(img.data[i + 1] - bg[1]) + Math.abs(img.data[i + 2] - bg[2]) > 96) ink++
    }
    out.push(ink / img.width)
  }
  return out
}
