/**
 * Layout primitives for the PDF reports on top of pdfkit: the embedded fonts, the palette, page
 * header and footer, headings, tables that wrap or ellipsize instead of overflowing, key-figure
 * tiles, and vector charts and logos.
 */
import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';

import type { ReportLogo } from '../report.types.js';
import type { ChartSvg } from './pdf-charts.js';

/* The project ships the fonts (assets/fonts, with their licence): pdfkit's standard 14 fonts
 * are WinAnsi only, and the report must print á, ñ, ç, € and the arrows of the tables. */
const ASSETS = new URL('../../../../assets/', import.meta.url);

let assetCache: { body: Buffer; bold: Buffer; mark: string } | null = null;

function assets() {
  assetCache ??= {
    body: readFileSync(new URL('fonts/DejaVuSans.ttf', ASSETS)),
    bold: readFileSync(new URL('fonts/DejaVuSans-Bold.ttf', ASSETS)),
    mark: readFileSync(new URL('logo/finopslatam-mark.svg', ASSETS), 'utf8'),
  };
  return assetCache;
}

export const COLORS = {
  navy: '#0B3954',
  teal: '#087E8B',
  aqua: '#3FB8AF',
  amber: '#F2A541',
  red: '#C8553D',
  green: '#2E7D4F',
  text: '#1F2933',
  muted: '#5F6B7A',
  border: '#D9E2EC',
  zebra: '#F4F7FA',
  tile: '#F4F7FA',
  white: '#FFFFFF',
};

export const FONT = { body: 'Body', bold: 'Bold' } as const;

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { left: 48, right: 48, top: 66, bottom: 58 };

export interface PdfColumn {
  header: string;
  /** Share of the content width; the columns of a table add up to 1. */
  width: number;
  align?: 'left' | 'right' | 'center';
  /** Wrap onto up to `maxLines` lines (ellipsis after); otherwise one line with ellipsis. */
  wrap?: boolean;
  maxLines?: number;
}

export interface PdfCell {
  text: string;
  color?: string;
  bold?: boolean;
}

export type PdfRow = Array<string | PdfCell>;

export interface PageChrome {
  /** Left of the running header, e.g. the report title and client. */
  headerLeft: string;
  headerRight: string;
  footerLeft: string;
  pageLabel: (n: number, total: number) => string;
  /** The client's logo in the running header; FinOpsLatam's mark when absent. */
  logo?: ReportLogo;
}

/** The running header's logo box: as tall as the mark, at most this wide. */
const HEADER_LOGO = { width: 72, height: 18 };

/** Only inline PNG or JPEG data may enter a logo SVG: never a path or URL the server resolves. */
function inlineImageOnly(link: string): string | Buffer {
  const match = /^data:image\/(png|jpe?g);base64,([A-Za-z0-9+/=\s]+)$/.exec(link.trim());
  return match?.[2] ? Buffer.from(match[2].replace(/\s+/g, ''), 'base64') : '';
}

export class PdfCanvas {
  readonly doc: PDFKit.PDFDocument;
  readonly left = MARGIN.left;
  readonly right = PAGE.width - MARGIN.right;
  readonly top = MARGIN.top;
  readonly bottom = PAGE.height - MARGIN.bottom;
  readonly width = PAGE.width - MARGIN.left - MARGIN.right;
  readonly pageWidth = PAGE.width;
  readonly pageHeight = PAGE.height;
  private coverPages = new Set<number>();
  /** Each logo embedded once: pdfkit makes a new image XObject per call given raw bytes. */
  private openedImages = new Map<Buffer, unknown>();
  private pageCount = 0;
  private current: { font: 'body' | 'bold'; size: number; color: string } = {
    font: 'body',
    size: 9,
    color: COLORS.text,
  };

  constructor(
    info: { title: string; subject: string; createdAt: Date; lang: string },
    private readonly chrome: PageChrome,
  ) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: MARGIN,
      autoFirstPage: false,
      bufferPages: true,
      lang: info.lang,
      displayTitle: true,
      info: {
        Title: info.title,
        Subject: info.subject,
        Author: 'FinOpsLatam',
        Creator: 'FinOpsLatam API',
        CreationDate: info.createdAt,
        ModDate: info.createdAt,
      },
    } as PDFKit.PDFDocumentOptions);
    const fonts = assets();
    this.doc.registerFont(FONT.body, fonts.body);
    this.doc.registerFont(FONT.bold, fonts.bold);
    this.doc.font(FONT.body);
    this.doc.on('pageAdded', () => this.onPageAdded());
  }

  /** The first page, without the running header. */
  addCoverPage(): void {
    this.coverPages.add(this.pageCount);
    this.doc.addPage();
  }

  addPage(): void {
    this.doc.addPage();
  }

  private onPageAdded(): void {
    const index = this.pageCount;
    this.pageCount += 1;
    if (this.coverPages.has(index)) return;

    // pdfkit may open the page in the middle of a text run: the header must not leave its own
    // font and colour behind for the rest of that run.
    const saved = this.current;
    this.drawRunningHeader();
    this.style(saved.font, saved.size, saved.color);
    this.doc.x = this.left;
    this.doc.y = this.top;
  }

  private drawRunningHeader(): void {
    const doc = this.doc;
    const brand = this.headerBrand();
    const textWidth = this.width - brand;
    // The period on the right takes what it needs (it is short); the left text gets all the
    // rest, so a client's name is not cut while half the line stays empty.
    this.style('body', 8, COLORS.muted);
    const right = this.fit(this.chrome.headerRight, textWidth * 0.36);
    const rightWidth = doc.widthOfString(right);
    doc.text(right, this.right - rightWidth, 29.5, { lineBreak: false });
    this.style('bold', 8.5, COLORS.navy);
    const leftWidth = textWidth - rightWidth - 12;
    doc.text(this.fit(this.chrome.headerLeft, leftWidth), this.left + brand, 29, {
      lineBreak: false,
    });
    doc
      .moveTo(this.left, 48)
      .lineTo(this.right, 48)
      .lineWidth(0.6)
      .strokeColor(COLORS.border)
      .stroke();
  }

  /** Draws the header's logo (the client's, else the mark); returns the width it took. */
  private headerBrand(): number {
    const logo = this.chrome.logo;
    if (logo) {
      const box = HEADER_LOGO;
      const width =
        logo.width && logo.height
          ? Math.min(box.width, (box.height * logo.width) / logo.height)
          : box.height;
      if (this.logo(logo, this.left, 24, width, box.height, 'left')) return width + 6;
    }
    this.mark(this.left, 24, 18);
    return 24;
  }

  /** Page numbers and footer, once every page exists (N in "page n of N" needs them all). */
  finish(): void {
    const doc = this.doc;
    const range = doc.bufferedPageRange();
    for (let i = 0; i < range.count; i += 1) {
      doc.switchToPage(range.start + i);
      // Writing below the bottom margin would make pdfkit open a new page.
      const margins = doc.page.margins;
      const savedBottom = margins.bottom;
      margins.bottom = 0;
      const y = PAGE.height - 38;
      doc
        .moveTo(this.left, y - 8)
        .lineTo(this.right, y - 8)
        .lineWidth(0.6)
        .strokeColor(COLORS.border)
        .stroke();
      this.style('body', 7, COLORS.muted);
      const pageLabel = this.chrome.pageLabel(i + 1, range.count);
      const pageWidth = doc.widthOfString(pageLabel);
      const left = this.fit(this.chrome.footerLeft, this.width - pageWidth - 16);
      doc.text(left, this.left, y, { lineBreak: false });
      this.style('bold', 7, COLORS.navy);
      doc.text(pageLabel, this.right - doc.widthOfString(pageLabel), y, { lineBreak: false });
      margins.bottom = savedBottom;
    }
    doc.end();
  }

  /* ------------------------------------------------------------------------------------------
   * Text
   * ---------------------------------------------------------------------------------------- */

  style(font: 'body' | 'bold', size: number, color: string = COLORS.text): void {
    this.current = { font, size, color };
    this.doc
      .font(font === 'bold' ? FONT.bold : FONT.body)
      .fontSize(size)
      .fillColor(color);
  }

  /** The text, shortened with an ellipsis to fit `width` at the current font and size. */
  fit(text: string, width: number): string {
    const doc = this.doc;
    if (doc.widthOfString(text) <= width) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (doc.widthOfString(`${text.slice(0, mid).trimEnd()}…`) <= width) lo = mid;
      else hi = mid - 1;
    }
    return `${text.slice(0, lo).trimEnd()}…`;
  }

  remaining(): number {
    return this.bottom - this.doc.y;
  }

  /** Starts a new page unless `height` points still fit on this one. */
  ensureSpace(height: number): void {
    if (this.remaining() < height) this.addPage();
  }

  /** A section heading with a short accent bar; `minFollowing` keeps it off a page's foot. */
  sectionTitle(text: string, minFollowing = 120): void {
    this.ensureSpace(34 + minFollowing);
    const doc = this.doc;
    if (doc.y > this.top + 1) doc.y += 10;
    const y = doc.y;
    doc.rect(this.left, y + 2, 4, 15).fill(COLORS.teal);
    this.style('bold', 13.5, COLORS.navy);
    doc.text(text, this.left + 12, y, { width: this.width - 12 });
    doc.y = Math.max(doc.y, y + 19) + 8;
    doc.x = this.left;
  }

  subTitle(text: string, minFollowing = 60): void {
    this.ensureSpace(20 + minFollowing);
    const doc = this.doc;
    this.style('bold', 9.5, COLORS.teal);
    doc.text(text, this.left, doc.y, { width: this.width });
    doc.y += 4;
  }

  paragraph(text: string, options: { size?: number; color?: string; gap?: number } = {}): void {
    const doc = this.doc;
    this.style('body', options.size ?? 9, options.color ?? COLORS.text);
    const height = doc.heightOfString(text, { width: this.width, lineGap: 1.5 });
    this.ensureSpace(height);
    doc.text(text, this.left, doc.y, { width: this.width, lineGap: 1.5 });
    doc.y += options.gap ?? 4;
  }

  /** A tinted box for a statement the reader must not miss (a period without data). */
  notice(text: string): void {
    const doc = this.doc;
    const pad = 12;
    this.style('bold', 10.5, COLORS.navy);
    const height = doc.heightOfString(text, { width: this.width - 2 * pad - 6 }) + 2 * pad;
    this.ensureSpace(height + 8);
    const y = doc.y;
    doc.roundedRect(this.left, y, this.width, height, 4).fill(COLORS.tile);
    doc.rect(this.left, y + 6, 3, height - 12).fill(COLORS.amber);
    this.style('bold', 10.5, COLORS.navy);
    doc.text(text, this.left + pad + 6, y + pad, { width: this.width - 2 * pad - 6 });
    doc.x = this.left;
    doc.y = y + height + 8;
  }

  /* ------------------------------------------------------------------------------------------
   * Tables
   * ---------------------------------------------------------------------------------------- */

  table(columns: PdfColumn[], rows: PdfRow[], options: { fontSize?: number } = {}): void {
    const doc = this.doc;
    const size = options.fontSize ?? 8;
    const pad = 4;
    const widths = columns.map((c) => c.width * this.width);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((a, b) => a + b, 0));

    // A header may wrap between words, never inside one: a column whose longest word is too
    // wide gets a smaller header font instead.
    this.style('bold', size - 0.5, COLORS.white);
    const headerSizes = columns.map((c, i) => {
      let headerSize = size - 0.5;
      const longest = Math.max(...c.header.split(/\s+/).map((w) => doc.widthOfString(w)));
      const room = widths[i]! - 2 * pad;
      if (longest > room) headerSize = Math.max(5.5, (headerSize * room) / longest);
      return headerSize;
    });

    const drawHeader = () => {
      const height =
        Math.max(
          ...columns.map((c, i) => {
            this.style('bold', headerSizes[i]!, COLORS.white);
            return doc.heightOfString(c.header, { width: widths[i]! - 2 * pad, lineGap: 0.5 });
          }),
        ) +
        2 * pad;
      const y = doc.y;
      doc.rect(this.left, y, this.width, height).fill(COLORS.navy);
      columns.forEach((c, i) => {
        this.style('bold', headerSizes[i]!, COLORS.white);
        doc.text(c.header, xs[i]! + pad, y + pad, {
          width: widths[i]! - 2 * pad,
          align: c.align ?? 'left',
          lineGap: 0.5,
        });
      });
      doc.y = y + height;
    };

    this.ensureSpace(60);
    drawHeader();

    rows.forEach((row, r) => {
      const cells = row.map((cell) => (typeof cell === 'string' ? { text: cell } : cell));
      this.style('body', size);
      const lineHeight = doc.currentLineHeight(true);
      const heights = columns.map((c, i) => {
        if (!c.wrap) return lineHeight;
        const text = cells[i]?.text ?? '';
        const full = doc.heightOfString(text, { width: widths[i]! - 2 * pad });
        return Math.min(full, lineHeight * (c.maxLines ?? 3));
      });
      const height = Math.max(...heights) + 2 * pad;

      if (doc.y + height > this.bottom) {
        this.addPage();
        drawHeader();
      }
      const y = doc.y;
      if (r % 2 === 1) doc.rect(this.left, y, this.width, height).fill(COLORS.zebra);
      columns.forEach((c, i) => {
        const cell = cells[i] ?? { text: '' };
        this.style(cell.bold ? 'bold' : 'body', size, cell.color ?? COLORS.text);
        const width = widths[i]! - 2 * pad;
        if (c.wrap) {
          doc.text(cell.text, xs[i]! + pad, y + pad, {
            width,
            height: heights[i]! + 0.5,
            ellipsis: true,
            align: c.align ?? 'left',
          });
        } else {
          // A figure is never cut: it shrinks a little first, and only text gets an ellipsis.
          if (c.align === 'right') {
            let shrink = size;
            while (shrink > size - 1.5 && doc.widthOfString(cell.text) > width) {
              shrink -= 0.25;
              doc.fontSize(shrink);
            }
          }
          doc.text(this.fit(cell.text, width), xs[i]! + pad, y + pad, {
            width,
            align: c.align ?? 'left',
            lineBreak: false,
          });
        }
      });
      doc
        .moveTo(this.left, y + height)
        .lineTo(this.right, y + height)
        .lineWidth(0.4)
        .strokeColor(COLORS.border)
        .stroke();
      doc.y = y + height;
    });
    doc.x = this.left;
    doc.y += 8;
  }

  /** Two columns of label and value, no grid: the cover's facts. */
  definitionList(
    pairs: Array<[string, string]>,
    x: number,
    width: number,
    labelShare = 0.34,
  ): void {
    const doc = this.doc;
    const labelWidth = width * labelShare;
    for (const [label, value] of pairs) {
      const y = doc.y;
      this.style('body', 8.5, COLORS.muted);
      doc.text(label, x, y, { width: labelWidth - 8 });
      const labelBottom = doc.y;
      this.style('bold', 9, COLORS.text);
      doc.text(value, x + labelWidth, y, { width: width - labelWidth });
      doc.y = Math.max(doc.y, labelBottom) + 5;
    }
  }

  /* ------------------------------------------------------------------------------------------
   * Tiles, charts and logos
   * ---------------------------------------------------------------------------------------- */

  tile(
    x: number,
    y: number,
    width: number,
    height: number,
    content: { label: string; value: string; sub?: string; subColor?: string; accent?: string },
  ): void {
    const doc = this.doc;
    doc.roundedRect(x, y, width, height, 4).fill(COLORS.tile);
    doc.rect(x, y + 6, 3, height - 12).fill(content.accent ?? COLORS.teal);
    const inner = width - 18;

    // Label on up to two lines, then the value, then the comparison: fixed slots so a row of
    // tiles lines up whatever the label's length.
    this.style('body', 7.5, COLORS.muted);
    doc.text(content.label, x + 11, y + 7, { width: inner, height: 19, ellipsis: true });

    let size = 14;
    this.style('bold', size, COLORS.navy);
    while (size > 8 && doc.widthOfString(content.value) > inner) {
      size -= 0.5;
      doc.fontSize(size);
    }
    doc.text(content.value, x + 11, y + 28 + (14 - size) / 2, { width: inner, lineBreak: false });

    if (content.sub) {
      this.style('body', 7.5, content.subColor ?? COLORS.muted);
      doc.text(this.fit(content.sub, inner), x + 11, y + height - 14, {
        width: inner,
        lineBreak: false,
      });
    }
  }

  chart(chart: ChartSvg, options: { caption?: string } = {}): void {
    const doc = this.doc;
    const scale = chart.width > this.width ? this.width / chart.width : 1;
    const height = chart.height * scale + (options.caption ? 14 : 0);
    this.ensureSpace(height + 6);
    const y = doc.y;
    SVGtoPDF(doc, chart.svg, this.left, y, {
      width: chart.width * scale,
      height: chart.height * scale,
      assumePt: true,
      fontCallback: (_family, bold) => (bold ? FONT.bold : FONT.body),
      imageCallback: () => '',
      warningCallback: () => undefined,
    });
    doc.y = y + chart.height * scale + 4;
    if (options.caption) {
      this.style('body', 7.5, COLORS.muted);
      doc.text(options.caption, this.left, doc.y, { width: this.width });
    }
    doc.x = this.left;
    doc.y += 6;
  }

  private openedImage(data: Buffer): PDFKit.Mixins.ImageSrc {
    let image = this.openedImages.get(data);
    if (!image) {
      // openImage is public in pdfkit but missing from its typings; doc.image takes its result.
      const doc = this.doc as unknown as { openImage(src: Buffer): unknown };
      image = doc.openImage(data);
      this.openedImages.set(data, image);
    }
    return image as PDFKit.Mixins.ImageSrc;
  }

  /** FinOpsLatam's mark, `size` points square. */
  mark(x: number, y: number, size: number): void {
    // svg-to-pdfkit sizes an SVG by its own width/height unless preserveAspectRatio is given.
    SVGtoPDF(this.doc, assets().mark, x, y, {
      width: size,
      height: size,
      preserveAspectRatio: 'xMidYMid meet',
      assumePt: true,
      warningCallback: () => undefined,
    });
  }

  /**
   * A client's logo fitted into the box. Returns false when it cannot be drawn (a broken image
   * must not break the report), and the caller falls back to FinOpsLatam's.
   */
  logo(
    logo: ReportLogo,
    x: number,
    y: number,
    width: number,
    height: number,
    align: 'left' | 'center' = 'center',
  ): boolean {
    try {
      if (logo.type !== 'svg') {
        this.doc.image(this.openedImage(logo.data), x, y, {
          fit: [width, height],
          ...(align === 'center' ? { align: 'center' } : {}),
          valign: 'center',
        });
        return true;
      }
      SVGtoPDF(this.doc, logo.data.toString('utf8'), x, y, {
        width,
        height,
        assumePt: true,
        preserveAspectRatio: 'xMidYMid meet',
        fontCallback: (_family, bold) => (bold ? FONT.bold : FONT.body),
        imageCallback: inlineImageOnly,
        documentCallback: () => [],
        warningCallback: () => undefined,
      });
      return true;
    } catch {
      return false;
    }
  }
}
