/**
 * RFC 4180 CSV, both ways. Fields are separated by commas; a field containing a comma, a
 * double quote, CR or LF is enclosed in double quotes, with embedded quotes doubled. Records
 * end with CRLF or LF (the writer emits CRLF as the RFC says). A leading UTF-8 BOM is
 * ignored; a final line break is optional; completely empty lines are skipped.
 */
export interface CsvRecord {
  /** The record's cells, as text. */
  cells: string[];
  /** 1-based line of the file where the record starts (records may span lines). */
  line: number;
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    public readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Parses CSV text into records; throws CsvSyntaxError on an unterminated or stray quote. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === 34 /* " */) {
        const quoteLine = line;
        i++;
        let parts = '';
        let from = i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new CsvSyntaxError('unterminated quoted field', quoteLine);
          if (text.charCodeAt(q + 1) === 34) {
            parts += text.slice(from, q + 1);
            i = q + 2;
            from = i;
            continue;
          }
          parts += text.slice(from, q);
          i = q + 1;
          break;
        }
        for (let k = 0; k < parts.length; k++) if (parts.charCodeAt(k) === 10) line++;
        value = parts;
        const c = text.charCodeAt(i);
        if (i < n && c !== 44 && c !== 10 && c !== 13) throw new CsvSyntaxError('unexpected character after a closing quote', line);
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          if (c === 34) throw new CsvSyntaxError('a double quote inside an unquoted field (quote the whole field and double the quote)', line);
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      cells.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      // line break: CRLF, LF or a lone CR
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      break;
    }
    if (!(cells.length === 1 && cells[0] === '')) records.push({ cells, line: start });
  }
  return records;
}

/** One field as CSV: quoted only when it has to be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvField).join(',') + '\r\n';
}

export function writeCsv(rows: readonly (readonly string[])[]): string {
  return rows.map(csvLine).join('');
}

/**
 * A list inside one cell (the `relationships` column): items separated by `;`, with `\;`
 * and `\\` escaping a literal semicolon or backslash inside an item.
 */
export function splitList(cell: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < cell.length; i++) {
    const ch = cell[i];
    if (ch === '\\' && i + 1 < cell.length) {
      cur += cell[++i];
    } else if (ch === ';') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

export function joinList(items: readonly string[]): string {
  return items.map((s) => s.replace(/[\\;]/g, (m) => `\\${m}`)).join(';');
}
