import { MAX_JSON_DEPTH, unstorableTextAt } from '../../domain/storable-text';

describe('text the databases cannot store', () => {
  test('unpaired surrogates (high or low) and NUL are found, with their path; pairs and ordinary text are fine', () => {
    expect(unstorableTextAt({ title: 'x\ud800y' })).toEqual({ path: 'title', problem: 'unstorable_text' });
    expect(unstorableTextAt({ a: [{ b: 'ok' }, { c: 'end\udc00' }] })).toEqual({ path: 'a.1.c', problem: 'unstorable_text' });
    expect(unstorableTextAt({ note: 'nul\u0000byte' })).toEqual({ path: 'note', problem: 'unstorable_text' });
    expect(unstorableTextAt({ ['key\ud83d']: 1 })).toEqual({ path: 'key\ud83d', problem: 'unstorable_text' });
    expect(unstorableTextAt('\ud800')).toEqual({ path: '(root)', problem: 'unstorable_text' });
    expect(unstorableTextAt({ emoji: '😀 ok', accents: 'Zürich café', cjk: '事件' })).toBeNull();
  });

  test('nesting beyond the limit is refused without recursion, even 100,000 levels deep', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableTextAt(deep)).toMatchObject({ problem: 'too_deep', path: expect.stringMatching(/^(0\.){63}0$/) });
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) ok = { x: ok };
    expect(unstorableTextAt(ok)).toBeNull();
  });
});
