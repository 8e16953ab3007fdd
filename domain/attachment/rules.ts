/**
 * What an attachment may be: a media type on the allow-list (`type/*` and `prefix.*` patterns),
 * and a file name that is safe to echo in a Content-Disposition header or a mail.
 */
export function typeAllowed(contentType: string, allowed: readonly string[]): boolean {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type)) return false;
  return allowed.some((pattern) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern));
}

/** The media type as stored: lowercase, parameters dropped (the bytes are served as they came). */
export const mediaTypeOf = (contentType: string) => contentType.split(';')[0].trim().toLowerCase();

/**
 * A display name: the last path segment, no control characters or quotes (header and mail
 * safety), at most 200 characters keeping the extension, never empty.
 */
export function safeFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let clean = base.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/["<>|]/g, '').replace(/\s+/g, ' ').trim();
  clean = clean.replace(/^\.+/, '');
  if (clean.length > 200) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = clean.slice(0, 200 - ext.length) + ext;
  }
  return clean || 'attachment';
}

/** `attachment; filename="…"; filename*=UTF-8''…` for any name (RFC 6266, RFC 5987). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
