import { contentDisposition, mediaTypeOf, safeFileName, typeAllowed } from '../../domain/attachment/rules';

describe('attachment rules', () => {
  test('types: exact names and prefix patterns, parameters ignored, malformed types refused', () => {
    const allowed = ['text/plain', 'image/*', 'application/vnd.openxmlformats-officedocument.*'];
    expect(typeAllowed('text/plain; charset=utf-8', allowed)).toBe(true);
    expect(typeAllowed('IMAGE/PNG', allowed)).toBe(true);
    expect(typeAllowed('application/vnd.openxmlformats-officedocument.wordprocessingml.document', allowed)).toBe(true);
    expect(typeAllowed('text/html', allowed)).toBe(false);
    expect(typeAllowed('image', allowed)).toBe(false);
    expect(typeAllowed('image/', allowed)).toBe(false);
    expect(typeAllowed('', allowed)).toBe(false);
    expect(typeAllowed('text/plain', [])).toBe(false);
    expect(mediaTypeOf(' Text/Plain ; charset=UTF-8')).toBe('text/plain');
  });

  test('file names: last path segment, no control characters, quotes or leading dots, long names keep their extension, never empty', () => {
    expect(safeFileName('C:\\Users\\ann\\report.pdf')).toBe('report.pdf');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('a"b\r\nContent-Type: x<y>|z.txt')).toBe('ab Content-Type: xyz.txt');
    expect(safeFileName('.htaccess')).toBe('htaccess');
    expect(safeFileName(undefined)).toBe('attachment');
    expect(safeFileName('\u0000\u0001')).toBe('attachment');
    const long = safeFileName(`${'x'.repeat(300)}.xlsx`);
    expect(long).toHaveLength(200);
    expect(long.endsWith('.xlsx')).toBe(true);
  });

  test('Content-Disposition: an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('Störung (1).png')).toBe(`attachment; filename="St_rung (1).png"; filename*=UTF-8''St%C3%B6rung%20%281%29.png`);
    expect(contentDisposition('a\\b.txt')).toBe(`attachment; filename="a_b.txt"; filename*=UTF-8''a%5Cb.txt`);
  });
});
