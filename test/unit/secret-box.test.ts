import { SecretKeyMissing, openSecret, parseSecretsKey, sealSecret } from '../../infra/secret-box';

describe('secrets at rest', () => {
  const key = parseSecretsKey(Buffer.alloc(32, 1).toString('base64'));

  test('sealed with a key: not readable as stored, opened back exactly; each seal differs', () => {
    const a = sealSecret('whsec-0123456789abcdef', key);
    const b = sealSecret('whsec-0123456789abcdef', key);
    expect(a).toMatch(/^enc:v1:/);
    expect(a).not.toContain('0123456789abcdef');
    expect(a).not.toBe(b);
    expect(openSecret(a, key)).toBe('whsec-0123456789abcdef');
  });

  test('tampering, a wrong key or no key fail; values stored before a key existed read as they are', () => {
    const sealed = sealSecret('s3cret-s3cret-s3cret', key);
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => openSecret(tampered, key)).toThrow();
    expect(() => openSecret(sealed, parseSecretsKey(Buffer.alloc(32, 2).toString('base64')))).toThrow();
    expect(() => openSecret(sealed, null)).toThrow(SecretKeyMissing);
    expect(openSecret('plain-old-secret', key)).toBe('plain-old-secret');
    expect(sealSecret('plain', null)).toBe('plain');
    expect(() => parseSecretsKey('c2hvcnQ=')).toThrow('32 bytes');
  });
});
