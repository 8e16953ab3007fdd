import { CsvSyntaxError, csvField, csvLine, joinList, parseCsv, splitList, writeCsv } from '../../domain/cmdb/csv';
import { readCsv } from '../../api/routes/ci-import';

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe('parseCsv', () => {
  it('plain fields, LF or CRLF, final line break optional', () => {
    expect(cells('a,b,c\n1,2,3\n')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
    expect(cells('a,b,c\r\n1,2,3')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
    expect(cells('a,b\r1,2')).toEqual([['a', 'b'], ['1', '2']]); // a lone CR ends a record too
  });

  it('empty fields, including trailing ones, are kept', () => {
    expect(cells('a,,c\n,,\n')).toEqual([['a', '', 'c'], ['', '', '']]);
    expect(cells('x,')).toEqual([['x', '']]);
  });

  it('quoted fields hold commas, doubled quotes and line breaks', () => {
    const text = 'name,note\n"Acme, Inc.","say ""hi"""\n"two\nlines","crlf\r\ninside"\n"",x\n';
    expect(cells(text)).toEqual([
      ['name', 'note'],
      ['Acme, Inc.', 'say "hi"'],
      ['two\nlines', 'crlf\r\ninside'],
      ['', 'x'],
    ]);
  });

  it('reports the line each record starts on (records may span lines)', () => {
    const text = 'h1,h2\n"a\nb\nc",1\nnext,2\n\nlast,3';
    expect(parseCsv(text).map((r) => r.line)).toEqual([1, 2, 5, 7]);
  });

  it('skips a UTF-8 BOM and empty lines; spaces are data', () => {
    expect(cells('\uFEFFa,b\n\n 1 , 2 \n\n')).toEqual([['a', 'b'], [' 1 ', ' 2 ']]);
    expect(cells('')).toEqual([]);
  });

  it('refuses an unterminated quote and a stray quote, naming the line', () => {
    expect(() => parseCsv('a,b\n"open,1\n2,3')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n"open,1\n2,3')).toThrow(/line 2: unterminated/);
    expect(() => parseCsv('a,b\nx"y,1')).toThrow(/line 2: a double quote inside an unquoted field/);
    expect(() => parseCsv('a,b\n"x"y,1')).toThrow(/line 2: unexpected character after a closing quote/);
  });
});

describe('writing CSV', () => {
  it('quotes only when needed, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('')).toBe('');
    expect(csvLine(['a', 'b,c'])).toBe('a,"b,c"\r\n');
  });

  it('round-trips any text', () => {
    const rows = [
      ['name', 'class', 'note'],
      ['Acme, Inc.', 'server', 'say "hi"\nand ""bye""'],
      ['', ',', '"'],
      ['ünïcödé ✓', '\r\n', ' x '],
    ];
    expect(cells(writeCsv(rows))).toEqual(rows);
  });
});

describe('lists in a cell (the relationships column)', () => {
  it('splits on ; and honours \\; and \\\\ escapes', () => {
    expect(splitList('depends_on:server:web01; runs_on:CI0000042')).toEqual(['depends_on:server:web01', 'runs_on:CI0000042']);
    expect(splitList('uses:service:a\\;b;uses:service:c\\\\d')).toEqual(['uses:service:a;b', 'uses:service:c\\d']);
    expect(splitList(' ; ;')).toEqual([]);
  });
  it('joinList escapes what splitList unescapes', () => {
    const items = ['uses:service:a;b', 'uses:service:back\\slash', 'plain'];
    expect(splitList(joinList(items))).toEqual(items);
  });
});

describe('reading an import CSV (readCsv)', () => {
  it('turns cells into typed fields: numbers per the class attribute schema and the asset columns', () => {
    const input = readCsv(
      'name,class,status,cost,depreciationYears,attr.hostname,attr.cpuCores,attr.memoryGb,attr.version,relationships\n' +
        'web01,server,live,1200.50,4,web01,8,15.5,,hosted_on:storage:st-1;depends_on:CI0000001\n' +
        'app,application,,,,,,,10,\n',
    );
    expect(input.format).toBe('csv');
    expect(input.rows.map((r) => r.value)).toEqual([
      { name: 'web01', class: 'server', status: 'live', cost: 1200.5, depreciationYears: 4, attributes: { hostname: 'web01', cpuCores: 8, memoryGb: 15.5 } },
      { name: 'app', class: 'application', attributes: { version: '10' } }, // a string attribute stays text
    ]);
    expect(input.relationships.map((r) => [r.sourceRow, r.value])).toEqual([
      [1, { type: 'hosted_on', target: 'storage:st-1' }],
      [1, { type: 'depends_on', target: 'CI0000001' }],
    ]);
  });

  it('leaves a non-number in a number column as text so validation names it', () => {
    const input = readCsv('name,class,attr.cpuCores\nweb01,server,eight\n');
    expect(input.rows[0].value).toEqual({ name: 'web01', class: 'server', attributes: { cpuCores: 'eight' } });
  });

  it('refuses a bad header: unknown and duplicate columns, missing name/class', () => {
    expect.assertions(2);
    try {
      readCsv('nme,class,colour,class\nx,server,red,server\n');
    } catch (e) {
      const paths = (e as { errors: { path: string }[] }).errors.map((x) => x.path);
      expect(paths).toEqual(expect.arrayContaining(['header.nme', 'header.colour', 'header.class', 'header.name']));
      expect((e as { status: number }).status).toBe(400);
    }
  });

  it('a row with the wrong number of fields is that row’s error', () => {
    const input = readCsv('name,class\na,server,extra\nb,server\n');
    expect(input.rows[0].readErrors).toEqual([{ path: '(row)', message: 'has 3 fields; the header has 2' }]);
    expect(input.rows[1].value).toEqual({ name: 'b', class: 'server' });
  });
});
