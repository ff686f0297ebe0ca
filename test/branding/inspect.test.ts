import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';

import { AppError } from '../../src/lib/errors.js';
import { inspectLogo } from '../../src/modules/branding/branding.fns.js';
import { MAX_LOGO_BYTES } from '../../src/modules/branding/branding.types.js';
import {
  animatedPng,
  hugePng,
  jpeg,
  jpegWithoutScanData,
  png,
  pngChunk,
  pngWithDataOf,
} from './images.js';

function refusal(bytes: Buffer, declared: string | null = null) {
  try {
    inspectLogo(bytes, declared);
  } catch (err) {
    assert.ok(err instanceof AppError);
    return { code: err.code, status: err.status, reason: err.details?.reason };
  }
  assert.fail('the image was accepted');
}

describe('logo inspection from the bytes alone', () => {
  it('reads the real type and size of a PNG and a JPEG', () => {
    assert.deepEqual(inspectLogo(png(160, 48), 'image/png'), {
      contentType: 'image/png',
      width: 160,
      height: 48,
    });
    assert.deepEqual(inspectLogo(jpeg(120, 40), null), {
      contentType: 'image/jpeg',
      width: 120,
      height: 40,
    });
    // A generic declared type says nothing and is not held against the file.
    assert.equal(inspectLogo(jpeg(64, 64), 'application/octet-stream').contentType, 'image/jpeg');
  });

  it('refuses other formats and a type that lies, with 415', () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>');
    const gif = Buffer.from('GIF89a\x10\x00\x10\x00\x00\x00\x00;', 'latin1');
    assert.equal(refusal(svg).status, 415);
    assert.equal(refusal(gif).status, 415);
    assert.equal(refusal(Buffer.from('%PDF-1.7\n')).status, 415);
    assert.equal(refusal(jpeg(64, 64), 'image/png').status, 415);
  });

  it('refuses animations, broken files and outsized pixels with 422', () => {
    assert.equal(refusal(animatedPng(64, 64)).reason, 'animated');
    assert.equal(refusal(hugePng(20_000, 20_000)).reason, 'dimensions');
    assert.equal(refusal(hugePng(4000, 4000)).reason, 'dimensions');
    assert.equal(refusal(png(8, 8)).reason, 'dimensions');

    const good = png(64, 64);
    assert.equal(refusal(good.subarray(0, good.length - 6)).reason, 'truncated');
    const flipped = Buffer.from(good);
    flipped[40] = flipped[40]! ^ 0xff;
    assert.equal(refusal(flipped).reason, 'corrupt');
    const trailing = Buffer.concat([good, Buffer.from('<html><script>alert(1)</script>')]);
    assert.equal(refusal(trailing).reason, 'trailing_data');
    const noData = Buffer.concat([good.subarray(0, 33), pngChunk('IEND', Buffer.alloc(0))]);
    assert.equal(refusal(noData).reason, 'corrupt');

    const cut = jpeg(64, 64);
    assert.equal(refusal(cut.subarray(0, cut.length - 2)).reason, 'truncated');
    // Arithmetic-coded frame (SOF9) in place of the baseline one.
    const arithmetic = Buffer.from(cut);
    arithmetic[arithmetic.indexOf(Buffer.from([0xff, 0xc0])) + 1] = 0xc9;
    assert.equal(refusal(arithmetic).reason, 'unsupported_encoding');
  });

  it('checks that the PNG data holds exactly the pixels its header declares', () => {
    // 100 × 100 RGBA needs 100 rows of 1 + 400 bytes; the audit's file held 100 bytes.
    assert.equal(refusal(pngWithDataOf(100, 100, 100)).reason, 'truncated');
    assert.equal(refusal(pngWithDataOf(100, 100, 100 * 401 - 1)).reason, 'truncated');
    assert.equal(refusal(pngWithDataOf(100, 100, 100 * 401 + 1)).reason, 'corrupt');
    assert.equal(inspectLogo(pngWithDataOf(100, 100, 100 * 401), null).width, 100);

    // Compressed data cut in the middle of the stream (checksums recomputed: still refused).
    const stream = deflateSync(Buffer.alloc(100 * 401, 7));
    const cut = png(100, 100, { idat: stream.subarray(0, stream.length - 8) });
    assert.equal(refusal(cut).reason, 'truncated');

    // A row filter type other than 0–4.
    const badFilter = Buffer.alloc(100 * 401);
    badFilter[401 * 50] = 9;
    assert.equal(refusal(png(100, 100, { idat: deflateSync(badFilter) })).reason, 'corrupt');

    // 1-bit grayscale packs 8 pixels a byte: 17 columns need 1 + 3 bytes a row.
    const oneBit = { depth: 1, colorType: 0 };
    assert.equal(inspectLogo(pngWithDataOf(17, 16, 16 * 4, oneBit), null).width, 17);
    assert.equal(refusal(pngWithDataOf(17, 16, 16 * 3, oneBit)).reason, 'truncated');
  });

  it('sizes interlaced (Adam7) PNG data pass by pass', () => {
    // 64 × 64 RGBA in seven passes: 264 + 264 + 520 + 1040 + 2064 + 4128 + 8224 bytes.
    const interlaced = { interlaced: true };
    assert.equal(inspectLogo(pngWithDataOf(64, 64, 16_504, interlaced), null).height, 64);
    // The non-interlaced size is wrong for an interlaced header.
    assert.equal(refusal(pngWithDataOf(64, 64, 64 * 257, interlaced)).reason, 'truncated');
  });

  it('refuses a JPEG whose scan holds no data', () => {
    assert.equal(refusal(jpegWithoutScanData(64, 64)).reason, 'truncated');
  });

  it('refuses an empty file (400) and one above 1 MiB (413)', () => {
    assert.equal(refusal(Buffer.alloc(0)).status, 400);
    const big = Buffer.concat([png(64, 64), Buffer.alloc(MAX_LOGO_BYTES)]);
    assert.equal(refusal(big).status, 413);
  });
});
