/**
 * @module Input files for the importers: plain text, gzip or zip, told apart by their first bytes (not their names,
 * which downloads and users rename), and split into CSV records with their line numbers. Pure over bytes.
 *
 * Zip reading is fflate's `unzipSync`: zero dependencies, pure JavaScript (so it works inside the single binary),
 * synchronous over an in-memory buffer — a day's bhavcopy zip is a few MB — and it checks each member's CRC-32, so a
 * truncated or corrupted download is refused here rather than parsed.
 */
import { gunzipSync, strFromU8, unzipSync } from 'fflate';

/** A problem with an input, located as precisely as the input allows (`line` is 1-based). */
export class ImportError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, reason: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
    this.name = 'ImportError';
    this.file = file;
    this.line = line;
  }
}

/** One text document inside an input file (a zip may hold several); `name` is `file` or `file!member`. */
export interface InputText {
  readonly name: string;
  readonly text: string;
}

const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Decodes an input file's bytes into its text documents (zip members ending in .csv/.json, or the whole file). */
export function inputTexts(file: string, bytes: Uint8Array): InputText[] {
  if (bytes.length === 0) throw new ImportError(file, undefined, 'expected data, was an empty file');
  if (isZip(bytes)) {
    let members: Record<string, Uint8Array>;
    try {
      members = unzipSync(bytes);
    } catch (err) {
      throw new ImportError(file, undefined, `expected a readable zip archive, was corrupt (${(err as Error).message})`);
    }
    const out = Object.entries(members)
      .filter(([name]) => !name.endsWith('/') && /\.(csv|json)$/i.test(name))
      .map(([name, data]) => ({ name: `${file}!${name}`, text: decodeText(`${file}!${name}`, data) }));
    if (out.length === 0) throw new ImportError(file, undefined, `expected a .csv or .json member in the zip, was ${JSON.stringify(Object.keys(members))}`);
    return out;
  }
  if (isGzip(bytes)) {
    let data: Uint8Array;
    try {
      data = gunzipSync(bytes);
    } catch (err) {
      throw new ImportError(file, undefined, `expected a readable gzip stream, was corrupt (${(err as Error).message})`);
    }
    return [{ name: file, text: decodeText(file, data) }];
  }
  return [{ name: file, text: decodeText(file, bytes) }];
}

function decodeText(name: string, data: Uint8Array): string {
  // A NUL byte never occurs in CSV or JSON text: it means a binary file was given where text was expected.
  if (data.includes(0)) throw new ImportError(name, undefined, 'expected text (CSV or JSON), was binary data');
  const text = strFromU8(data);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export interface CsvRecord {
  /** 1-based line number in its document. */
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * Splits CSV text into records (RFC 4180 double quotes honoured; NSE's files use none). Blank lines are skipped; a
 * record's line is where it starts. An unterminated quote is an error at its line.
 */
export function csvRecords(name: string, text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let done = false;
    while (!done) {
      if (i >= n) { fields.push(field); break; }
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          quoted = false; i++; continue;
        }
        if (c === '\n') line++;
        field += c; i++;
        continue;
      }
      if (c === '"' && field.length === 0) { quoted = true; i++; continue; }
      if (c === ',') { fields.push(field); field = ''; i++; continue; }
      if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
      if (c === '\n' || c === '\r') { fields.push(field); i++; line++; done = true; continue; }
      field += c; i++;
    }
    if (quoted) throw new ImportError(name, start, 'expected a closing double quote, was end of file');
    if (fields.length === 1 && fields[0]!.trim() === '') continue;
    out.push({ line: start, fields });
  }
  return out;
}
