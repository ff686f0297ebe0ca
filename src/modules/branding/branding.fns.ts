/**
 * Reads what an uploaded logo really is from its own bytes: the PNG signature, chunk list and
 * the size of its decompressed pixel data, or the JPEG marker segments and the presence of its
 * scan data. Headers alone are not enough: a PNG whose header says 100 × 100 over 100 bytes of
 * data passes every checksum and then renders broken in every PDF.
 */
import { crc32, inflateSync } from 'node:zlib';

import { AppError } from '../../lib/errors.js';
import {
  LOGO_CONTENT_TYPES,
  LOGO_LIMITS,
  MAX_LOGO_BYTES,
  type LogoContentType,
  type LogoImage,
} from './branding.types.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bit depths PNG allows per colour type (ISO/IEC 15948, table 11.1). */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Samples per pixel for each PNG colour type (ISO/IEC 15948, 6.1). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's seven passes as [first column, first row, column step, row step] (ISO 15948, 8.2). */
const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** PNG's per-row filter types: none, sub, up, average, Paeth. */
const MAX_PNG_FILTER = 4;

/** Baseline, extended and progressive Huffman frames: what PDF's DCTDecode reads everywhere. */
const JPEG_SOF_SUPPORTED = new Set([0xc0, 0xc1, 0xc2]);
/** Every other start-of-frame (lossless, hierarchical, arithmetic coding). */
const JPEG_SOF_OTHER = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function broken(reason: string, message: string): AppError {
  return new AppError('unprocessable', message, { details: { reason } });
}

/**
 * The image's type and size, or a 4xx: 400 empty, 413 over 1 MiB, 415 neither PNG nor JPEG
 * (or not what the request declared), 422 broken, animated or outside the pixel bounds.
 */
export function inspectLogo(bytes: Buffer, declared: string | null): LogoImage {
  if (bytes.length === 0) {
    throw new AppError('bad_request', 'The logo is empty; send a PNG or JPEG image.');
  }
  if (bytes.length > MAX_LOGO_BYTES) {
    throw new AppError('payload_too_large', 'The logo is larger than 1 MiB; send a smaller one.', {
      details: { maxBytes: MAX_LOGO_BYTES, bytes: bytes.length },
    });
  }

  const found = sniff(bytes);
  if (!found) {
    throw new AppError(
      'unsupported_media_type',
      'The file is not a PNG or JPEG image; logos are accepted in those two formats only.',
      { details: { accepted: LOGO_CONTENT_TYPES } },
    );
  }
  const expected = declaredType(declared);
  if (expected && expected !== found) {
    throw new AppError(
      'unsupported_media_type',
      `The file was sent as ${expected} but its content is ${found}; send it with its real type.`,
      { details: { declared: expected, detected: found } },
    );
  }

  const image = found === 'image/png' ? inspectPng(bytes) : inspectJpeg(bytes);
  checkDimensions(image);
  return image;
}

function sniff(bytes: Buffer): LogoContentType | null {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** A multipart part's declared type; generic ones ("application/octet-stream") say nothing. */
function declaredType(declared: string | null): LogoContentType | null {
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  if (type === 'image/png') return 'image/png';
  if (type === 'image/jpeg' || type === 'image/jpg' || type === 'image/pjpeg') return 'image/jpeg';
  return null;
}

function checkDimensions(image: LogoImage): void {
  const { width, height } = image;
  const { minSide, maxSide, maxPixels } = LOGO_LIMITS;
  if (width < minSide || height < minSide || width > maxSide || height > maxSide) {
    throw broken(
      'dimensions',
      `The logo is ${width} × ${height} pixels; each side must be between ${minSide} and ` +
        `${maxSide} pixels.`,
    );
  }
  if (width * height > maxPixels) {
    throw broken(
      'dimensions',
      `The logo has ${width * height} pixels; at most ${maxPixels} are accepted. Scale it down.`,
    );
  }
}

/* --------------------------------------------------------------------------------------------
 * PNG: signature, IHDR first, every chunk whole with a valid CRC, IDAT present, IEND last.
 * ------------------------------------------------------------------------------------------ */

function inspectPng(bytes: Buffer): LogoImage {
  let offset = PNG_SIGNATURE.length;
  let width = 0;
  let height = 0;
  let colorType = -1;
  let depth = 0;
  let interlaced = false;
  const idat: Buffer[] = [];
  let sawData = false;
  let sawPalette = false;
  let ended = false;

  for (let index = 0; !ended; index += 1) {
    if (offset + 12 > bytes.length) throw broken('truncated', 'The PNG file is cut off.');
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const dataStart = offset + 8;
    const dataEnd = dataStart + length;
    if (length > 0x7fffffff || dataEnd + 4 > bytes.length) {
      throw broken('truncated', 'The PNG file is cut off.');
    }
    const stored = bytes.readUInt32BE(dataEnd);
    if (crc32(bytes.subarray(offset + 4, dataEnd)) !== stored) {
      throw broken('corrupt', `The PNG chunk ${printable(type)} is damaged (bad checksum).`);
    }
    const data = bytes.subarray(dataStart, dataEnd);

    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) {
        throw broken('corrupt', 'The PNG file does not start with its header (IHDR).');
      }
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8]!;
      colorType = data[9]!;
      if (!PNG_DEPTHS[colorType]?.includes(depth) || data[10] !== 0 || data[11] !== 0) {
        throw broken('corrupt', 'The PNG header declares an invalid colour type or bit depth.');
      }
      if (data[12]! > 1) throw broken('corrupt', 'The PNG header declares an unknown interlace.');
      interlaced = data[12] === 1;
    } else if (type === 'acTL' || type === 'fcTL' || type === 'fdAT') {
      // APNG: a PDF shows one frame, so an animated logo would print as whatever frame 0 is.
      throw broken('animated', 'Animated PNG images are not accepted; send a still image.');
    } else if (type === 'PLTE') {
      sawPalette = true;
    } else if (type === 'IDAT') {
      sawData = true;
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
    }
    offset = dataEnd + 4;
  }

  if (!sawData) throw broken('corrupt', 'The PNG file has no image data.');
  if (colorType === 3 && !sawPalette) throw broken('corrupt', 'The PNG palette is missing.');
  if (offset !== bytes.length) {
    // Bytes after IEND are how image/script polyglots hide; a real logo has none.
    throw broken('trailing_data', 'The PNG file has data after its end; export it again.');
  }

  // The size limits first: they bound how much the data below may inflate to.
  const image: LogoImage = { contentType: 'image/png', width, height };
  checkDimensions(image);
  checkPngData(
    Buffer.concat(idat),
    pngRows(width, height, PNG_CHANNELS[colorType]! * depth, interlaced),
  );
  return image;
}

/**
 * The byte length of every scanline the pixel data must hold, in order: one filter byte plus
 * the row's packed samples. An interlaced image is seven smaller images (Adam7); a pass with
 * no columns or no rows has no scanlines at all.
 */
function pngRows(width: number, height: number, bitsPerPixel: number, interlaced: boolean) {
  const rowBytes = (columns: number) => 1 + Math.ceil((columns * bitsPerPixel) / 8);
  if (!interlaced) return Array<number>(height).fill(rowBytes(width));

  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    const columns = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const passRows = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (columns > 0) for (let r = 0; r < passRows; r += 1) rows.push(rowBytes(columns));
  }
  return rows;
}

/**
 * Inflates the concatenated IDAT data and requires exactly the scanlines the header implies,
 * each starting with a known filter type. The output cap is that exact size plus one byte, so
 * a decompression bomb stops there instead of filling memory.
 */
function checkPngData(compressed: Buffer, rows: number[]): void {
  const expected = rows.reduce((sum, n) => sum + n, 0);
  let pixels: Buffer;
  try {
    pixels = inflateSync(compressed, { maxOutputLength: expected + 1 });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw broken('corrupt', 'The PNG image data is larger than its header says.');
    }
    throw broken('truncated', 'The PNG image data is damaged or cut off.');
  }
  if (pixels.length !== expected) {
    throw broken(
      pixels.length < expected ? 'truncated' : 'corrupt',
      `The PNG image data holds ${pixels.length} bytes where its header implies ${expected}; ` +
        'export the image again.',
    );
  }

  let at = 0;
  for (const length of rows) {
    if (pixels[at]! > MAX_PNG_FILTER) {
      throw broken('corrupt', 'The PNG image data is damaged (unknown row filter).');
    }
    at += length;
  }
}

function printable(type: string): string {
  return /^[A-Za-z]{4}$/.test(type) ? type : '(unnamed)';
}

/* --------------------------------------------------------------------------------------------
 * JPEG: marker segments from SOI to the first scan, one supported frame header, EOI at the end.
 * ------------------------------------------------------------------------------------------ */

function inspectJpeg(bytes: Buffer): LogoImage {
  let offset = 2;
  let frame: { width: number; height: number } | null = null;

  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes.
    if (offset >= bytes.length || bytes[offset] !== 0xff) {
      throw broken('corrupt', 'The JPEG file is damaged (a marker is missing).');
    }
    while (bytes[offset] === 0xff) offset += 1;
    if (offset >= bytes.length) throw broken('truncated', 'The JPEG file is cut off.');
    const marker = bytes[offset]!;
    offset += 1;

    if (marker === 0xd9) throw broken('corrupt', 'The JPEG file ends before any image data.');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (offset + 2 > bytes.length) throw broken('truncated', 'The JPEG file is cut off.');
    const length = bytes.readUInt16BE(offset);
    if (length < 2 || offset + length > bytes.length) {
      throw broken('truncated', 'The JPEG file is cut off.');
    }
    const data = bytes.subarray(offset + 2, offset + length);

    if (JPEG_SOF_SUPPORTED.has(marker)) {
      if (frame) throw broken('animated', 'The JPEG file holds more than one image.');
      if (data.length < 6) throw broken('corrupt', 'The JPEG frame header is damaged.');
      const components = data[5]!;
      if (![1, 3, 4].includes(components)) {
        throw broken('corrupt', 'The JPEG frame declares an unusual number of colour channels.');
      }
      frame = { height: data.readUInt16BE(1), width: data.readUInt16BE(3) };
    } else if (JPEG_SOF_OTHER.has(marker)) {
      throw broken(
        'unsupported_encoding',
        'This JPEG uses a lossless, hierarchical or arithmetic encoding that PDF readers do ' +
          'not all show; save it as a standard (baseline or progressive) JPEG.',
      );
    } else if (marker === 0xe2 && data.subarray(0, 4).toString('latin1') === 'MPF\0') {
      // Multi-Picture Format: several images in one file (stereo pairs, bursts).
      throw broken('animated', 'The JPEG file holds more than one image (MPF).');
    } else if (marker === 0xda) {
      offset += length;
      break;
    }
    offset += length;
  }

  if (!frame) throw broken('corrupt', 'The JPEG file has no frame header before its data.');
  let end = bytes.length;
  while (end > offset && bytes[end - 1] === 0x00) end -= 1;
  if (end < 2 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9) {
    throw broken('truncated', 'The JPEG file is cut off (no end-of-image marker).');
  }
  // Decoding is the PDF reader's job, but a scan header followed directly by the end marker
  // holds no picture at all.
  if (end - 2 <= offset) {
    throw broken('truncated', 'The JPEG file has no image data after its scan header.');
  }
  return { contentType: 'image/jpeg', width: frame.width, height: frame.height };
}
