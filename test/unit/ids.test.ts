import { newId } from '../../infra/ids';

describe('record ids', () => {
  test('a prefix and a lower-case ULID: 10 time characters, 16 random ones, time-ordered across milliseconds', () => {
    const a = newId('inc', Date.UTC(2026, 11, 3, 8, 0, 0, 0));
    const b = newId('inc', Date.UTC(2026, 11, 3, 8, 0, 0, 1));
    expect(a).toMatch(/^inc_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(a < b).toBe(true);
    // An id made before the ULID library (same layout and alphabet) sorts with the new ones by time.
    expect('inc_01kbh0000000000000000000' < a).toBe(true);
  });

  test('80 independent random bits: no two characters come from the same random byte', () => {
    // The ids before the library reused each random byte for two characters, so characters
    // 1 and 2 of the random part were always equal: 50 bits of randomness, not 80.
    let equal = 0;
    for (let i = 0; i < 2000; i++) {
      const rand = newId('x', 0).slice(12);
      if (rand[0] === rand[1]) equal++;
    }
    expect(equal).toBeLessThan(200); // ~1/32 by chance (62 expected); 2000 with the old code
  });
});
