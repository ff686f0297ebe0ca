/**
 * Small, real images built in code, so the tests own every byte they upload: PNG through zlib
 * with correct chunk checksums, and a baseline grayscale JPEG whose 8×8 blocks carry only their
 * average (DC) value, which any reader decodes.
 */
import { crc32, deflateSync } from 'node:zlib';

type Pixel = (x: number, y: number) => [number, number, number, number];

/** A FinOpsLatam-ish mark: a navy rounded band with teal bars, transparent around it. */
export const logoPixel: Pixel = (x, y) => {
  const bar = Math.floor(x / 12) % 2 === 0 && y > 20 - (x % 24);
  if (bar) return [63, 184, 175, 255];
  return x % 40 < 36 ? [11, 57, 84, 255] : [0, 0, 0, 0];
};

export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** The header fields a test may change; the pixels it then supplies itself (`idat`). */
export interface PngHeader {
  depth?: number;
  colorType?: number;
  interlaced?: boolean;
}

export function png(
  width: number,
  height: number,
  options: { pixel?: Pixel; before?: Buffer[]; idat?: Buffer; header?: PngHeader } = {},
): Buffer {
  const pixel = options.pixel ?? logoPixel;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = options.header?.depth ?? 8;
  ihdr[9] = options.header?.colorType ?? 6; // RGBA
  ihdr[12] = options.header?.interlaced ? 1 : 0;
  let idat = options.idat;
  if (!idat) {
    const raw = Buffer.alloc(height * (1 + width * 4));
    for (let y = 0; y < height; y += 1) {
      const row = y * (1 + width * 4);
      for (let x = 0; x < width; x += 1) raw.set(pixel(x, y), row + 1 + x * 4);
    }
    idat = deflateSync(raw);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(options.before ?? []),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An APNG: the same still image with an animation control chunk before its data. */
export function animatedPng(width: number, height: number): Buffer {
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(2, 0); // frames
  actl.writeUInt32BE(0, 4); // loop forever
  return png(width, height, { before: [pngChunk('acTL', actl)] });
}

/** A PNG with valid checksums whose compressed data inflates to `bytes` zero bytes. */
export function pngWithDataOf(
  width: number,
  height: number,
  bytes: number,
  header: PngHeader = {},
): Buffer {
  return png(width, height, { idat: deflateSync(Buffer.alloc(bytes)), header });
}

/** A JPEG cut right after its scan header, closed with a well-formed end-of-image marker. */
export function jpegWithoutScanData(width: number, height: number): Buffer {
  const whole = jpeg(width, height);
  const sos = whole.indexOf(Buffer.from([0xff, 0xda]));
  const scanStart = sos + 2 + whole.readUInt16BE(sos + 2);
  return Buffer.concat([whole.subarray(0, scanStart), Buffer.from([0xff, 0xd9])]);
}

/** A PNG whose header claims huge dimensions over a tiny (valid) data stream. */
export function hugePng(width: number, height: number): Buffer {
  return png(width, height, { idat: deflateSync(Buffer.alloc(16)) });
}

function segment(marker: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/** Grayscale baseline JPEG; `shade(x, y)` gives each 8×8 block's level (0–255). */
export function jpeg(
  width: number,
  height: number,
  shade: (bx: number, by: number) => number = (bx, by) => 60 + ((bx * 7 + by * 13) % 150),
): Buffer {
  const dqt = Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]);
  const sof = Buffer.alloc(9);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof.set([1, 1, 0x11, 0], 5);
  // DC table 0: twelve categories with 4-bit codes equal to the category.
  const dcBits = [0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const dc = Buffer.from([0x00, ...dcBits, ...Array.from({ length: 12 }, (_, i) => i)]);
  // AC table 0: end-of-block alone, coded "0".
  const ac = Buffer.from([0x10, 1, ...Array(15).fill(0), 0x00]);
  const sos = Buffer.from([1, 1, 0x00, 0, 63, 0]);

  const bytes: number[] = [];
  let acc = 0;
  let used = 0;
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i -= 1) {
      acc = (acc << 1) | ((value >> i) & 1);
      used += 1;
      if (used === 8) {
        bytes.push(acc);
        if (acc === 0xff) bytes.push(0x00);
        acc = 0;
        used = 0;
      }
    }
  };
  let previous = 0;
  for (let by = 0; by < Math.ceil(height / 8); by += 1) {
    for (let bx = 0; bx < Math.ceil(width / 8); bx += 1) {
      const value = 8 * (Math.round(shade(bx, by)) - 128);
      const diff = value - previous;
      previous = value;
      const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(category, 4);
      if (category > 0) put(diff > 0 ? diff : diff + (1 << category) - 1, category);
      put(0, 1); // end of block
    }
  }
  if (used > 0) put(0xff, 8 - used);

  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, dqt),
    segment(0xc0, sof),
    segment(0xc4, Buffer.concat([dc, ac])),
    segment(0xda, sos),
    Buffer.from(bytes),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/**
 * The image XObjects of a PDF as their declared pixel sizes, read from the raw objects. Soft
 * masks (the alpha channel pdfkit splits off a transparent PNG) belong to their image and are
 * left out.
 */
export function pdfImageSizes(pdf: Buffer): Array<{ width: number; height: number }> {
  const text = pdf.toString('latin1');
  const images = new Map<string, string>();
  for (const match of text.matchAll(/(\d+) 0 obj\s*<<([^>]*?\/Subtype \/Image[^>]*?)>>/g)) {
    images.set(match[1]!, match[2]!);
  }
  const masks = new Set(
    [...images.values()].flatMap((dict) => /\/SMask (\d+) 0 R/.exec(dict)?.[1] ?? []),
  );
  return [...images.entries()]
    .filter(([id]) => !masks.has(id))
    .map(([, dict]) => ({
      width: Number(/\/Width (\d+)/.exec(dict)?.[1]),
      height: Number(/\/Height (\d+)/.exec(dict)?.[1]),
    }));
}
