import { parseExposition, repeatedSeries } from '../../domain/capacity/prometheus';

describe('Prometheus text exposition', () => {
  test('samples with labels, timestamps, comments and escapes; the ci label names the CI', () => {
    const text = [
      '# HELP disk_used_percent Used space.',
      '# TYPE disk_used_percent gauge',
      'disk_used_percent{ci="CI0000042",mount="/var"} 71.5 1793534400000',
      'node_load1 0.25',
      '',
      'weird{ci="CI1",path="a\\"b\\\\c,d}"} -1e3\r',
      'stale{ci="CI1"} NaN',
      'overflow +Inf',
    ].join('\n');
    const r = parseExposition(text);
    expect(r.issues).toEqual([]);
    expect(r.skipped).toBe(2);
    expect(r.samples).toEqual([
      { line: 3, metric: 'disk_used_percent', ci: 'CI0000042', value: 71.5, at: 1793534400000 },
      { line: 4, metric: 'node_load1', ci: null, value: 0.25, at: null },
      { line: 6, metric: 'weird', ci: 'CI1', value: -1000, at: null },
    ]);
  });

  test('each malformed line is named by its number', () => {
    const r = parseExposition(['9lives 1', 'm{ci=CI1} 1', 'm{ci="CI1" 1', 'm{ci="a",ci="b"} 1', 'm{1x="a"} 1', 'm high', 'm 1 soon', 'm 1 2 3', 'm', 'm 1 99999999999999999', 'm{ci} 1'].join('\n'));
    expect(r.samples).toEqual([]);
    expect(r.issues.map((i) => i.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(r.issues[0].message).toMatch(/not a metric name/);
    expect(r.issues[3].message).toBe('label ci is given twice');
    expect(r.issues[9].message).toMatch(/not a timestamp/);
  });

  test('a finite reading beyond ±10^15 is named by its line, not stored as the database would bend it; 10^15 itself is taken', () => {
    const r = parseExposition(['m{ci="CI1"} 1.7976931348623157e308', 'm{ci="CI2"} -1000000000000001', 'm{ci="CI3"} 1e15', 'm{ci="CI4"} +Inf'].join('\n'));
    expect(r.issues).toEqual([
      { line: 1, message: '"1.7976931348623157e308" is beyond ±1e+15, the largest reading stored' },
      { line: 2, message: '"-1000000000000001" is beyond ±1e+15, the largest reading stored' },
    ]);
    expect([r.samples.map((x) => [x.line, x.value]), r.skipped]).toEqual([[[3, 1e15]], 1]);
  });

  test('two samples of one series and instant once other labels are dropped are refused', () => {
    const s = (line: number, ci: string, metric: string, at: number) => ({ line, ci, metric, at, value: 1 });
    expect(repeatedSeries([s(1, 'CI1', 'm', 5), s(2, 'CI1', 'm', 6), s(3, 'CI2', 'm', 5), s(4, 'CI1', 'm', 5)])).toEqual([
      { line: 4, message: 'the same series and instant as line 1 once labels other than ci are dropped' },
    ]);
  });
});
