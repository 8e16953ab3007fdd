/**
 * How the service desk reads an incoming e-mail: whether a machine sent it (auto-replies,
 * bounces, lists, our own notifications coming back) and which record a reply belongs to.
 */

/** What a message says about itself, from its headers (lowercased names). */
export interface MessageHeaders {
  get(name: string): unknown;
}

export type Ignored = 'auto_reply' | 'bulk' | 'bounce' | 'loop';

/**
 * Why a message must not open or touch a record, or null. RFC 3834 `Auto-Submitted` (anything
 * but `no`), Microsoft's `X-Auto-Response-Suppress`/`X-Autoreply`, `Precedence: bulk|junk|list`,
 * mailing lists, delivery reports, and mail from our own address (a notification that bounced
 * back or was auto-forwarded in: answering it would start a loop).
 */
export function ignoredBecause(headers: MessageHeaders, from: string | null, ownAddresses: readonly string[]): Ignored | null {
  const text = (name: string) => {
    const v = headers.get(name);
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v.toLowerCase().trim();
    if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value).toLowerCase().trim();
    return String(v).toLowerCase().trim();
  };
  if (from !== null && ownAddresses.includes(from.toLowerCase())) return 'loop';
  if (from !== null && /^(mailer-daemon|postmaster)@/i.test(from)) return 'bounce';
  const contentType = text('content-type');
  if (contentType.startsWith('multipart/report')) return 'bounce';
  const auto = text('auto-submitted');
  if (auto !== '' && auto !== 'no') return 'auto_reply';
  if (text('x-autoreply') !== '' || text('x-autorespond') !== '') return 'auto_reply';
  if (/\b(all|autoreply|oof)\b/.test(text('x-auto-response-suppress'))) return 'auto_reply';
  if (['bulk', 'junk', 'list', 'auto_reply'].includes(text('precedence'))) return 'bulk';
  // Parsers file List-Id, List-Unsubscribe, … under one `list` header.
  if (text('list-id') !== '' || text('list-unsubscribe') !== '' || (headers.get('list') ?? null) !== null) return 'bulk';
  return null;
}

/** The first bracketed record number in a subject (`[INC0000042]`), else a bare one; prefix and digits. */
export function recordNumberIn(subject: string): string | null {
  const bracketed = /\[((?:INC|CHG|PRB|REL)\d{7,})\]/i.exec(subject);
  if (bracketed) return bracketed[1].toUpperCase();
  const bare = /\b((?:INC|CHG|PRB|REL)\d{7,})\b/i.exec(subject);
  return bare ? bare[1].toUpperCase() : null;
}

/**
 * The notification a reply answers, from In-Reply-To or References: our e-mails' Message-IDs
 * are `<notificationId.userId@itsm>` (activities/notification-email.ts).
 */
export function notificationIdsIn(...headers: (string | string[] | undefined)[]): string[] {
  const ids: string[] = [];
  for (const h of headers.flatMap((x) => (x === undefined ? [] : Array.isArray(x) ? x : [x]))) {
    for (const m of h.matchAll(/<([^<>.\s]+)\.[^<>\s@]+@itsm>/g)) if (!ids.includes(m[1])) ids.push(m[1]);
  }
  return ids;
}

/**
 * A reply's own text: the quoted message it answers cut off (the `On … wrote:` line and what
 * follows, an Outlook `-----Original Message-----` block or `From:` header block, `>` lines), the
 * signature delimiter honoured. What is left is what the person wrote.
 */
export function replyText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^-- ?$/.test(line)) break;
    if (/^\s*-{2,}\s*Original Message\s*-{2,}/i.test(line)) break;
    if (/^On .{0,300}wrote:\s*$/i.test(line) || (/^On .{0,300}$/i.test(line) && /wrote:\s*$/i.test(lines[i + 1] ?? ''))) break;
    if (/^(From|Von|De):\s/.test(line) && /^(Sent|Gesendet|Envoyé|Date|To):\s/.test(lines[i + 1] ?? '')) break;
    if (/^\s*>/.test(line)) continue;
    out.push(line);
  }
  return out.join('\n').trim();
}

/** A new incident's title from a subject: reply and forward prefixes dropped, never empty, at most 300 characters. */
export function titleFromSubject(subject: string | undefined): string {
  let s = (subject ?? '').replace(/\s+/g, ' ').trim();
  for (let prev = ''; prev !== s; ) {
    prev = s;
    s = s.replace(/^(re|fw|fwd|aw|wg|sv|tr)\s*:\s*/i, '');
  }
  return (s || '(no subject)').slice(0, 300);
}

/** Text as records can hold it: no NUL or unpaired surrogates (mail can carry either), bounded. */
export function storableText(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  // Cut first, then mend: a cut through a surrogate pair leaves half of it, which is replaced too.
  return s
    .replace(/\u0000/g, '')
    .slice(0, max)
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
