import { ignoredBecause, notificationIdsIn, recordNumberIn, replyText, storableText, titleFromSubject } from '../../domain/mail/inbound';

const headers = (h: Record<string, unknown>) => new Map(Object.entries(h));

describe('inbound mail', () => {
  test('machine mail is recognised; a person writing is not', () => {
    const own = ['itsm@example.com', 'desk@example.com'];
    expect(ignoredBecause(headers({}), 'pat@example.com', own)).toBeNull();
    expect(ignoredBecause(headers({ 'auto-submitted': 'no' }), 'pat@example.com', own)).toBeNull();
    expect(ignoredBecause(headers({ 'auto-submitted': 'auto-generated' }), 'pat@example.com', own)).toBe('auto_reply');
    expect(ignoredBecause(headers({ 'x-autoreply': 'yes' }), 'pat@example.com', own)).toBe('auto_reply');
    expect(ignoredBecause(headers({ 'x-auto-response-suppress': 'DR, OOF' }), 'pat@example.com', own)).toBe('auto_reply');
    expect(ignoredBecause(headers({ precedence: 'Junk' }), 'pat@example.com', own)).toBe('bulk');
    expect(ignoredBecause(headers({ list: { id: { id: 'ops' } } }), 'pat@example.com', own)).toBe('bulk');
    expect(ignoredBecause(headers({ 'content-type': { value: 'multipart/report', params: {} } }), 'pat@example.com', own)).toBe('bounce');
    expect(ignoredBecause(headers({}), 'Postmaster@example.com', own)).toBe('bounce');
    expect(ignoredBecause(headers({}), 'DESK@example.com', own)).toBe('loop');
  });

  test('record numbers: bracketed first, then bare; case-insensitive', () => {
    expect(recordNumberIn('Re: INC0000001 and [inc0000042] printer')).toBe('INC0000042');
    expect(recordNumberIn('Re: about INC0000007')).toBe('INC0000007');
    expect(recordNumberIn('[CHG0000003] CAB approval requested')).toBe('CHG0000003');
    expect(recordNumberIn('INC123 is not a number; XINC0000001 neither')).toBeNull();
  });

  test('notification ids from In-Reply-To and References, each once', () => {
    expect(notificationIdsIn('<ntf_1.usr-a@itsm>', ['<other@example.com>', '<ntf_2.usr-b@itsm> <ntf_1.usr-c@itsm>'])).toEqual(['ntf_1', 'ntf_2']);
    expect(notificationIdsIn(undefined, '<abc@example.com>')).toEqual([]);
  });

  test("a reply's own text: quoted text, signature and forwarded headers cut off", () => {
    expect(replyText('Tray 2.\r\n\r\nOn Mon, 1 Dec 2026 at 10:00, ITSM <itsm@example.com> wrote:\r\n> which tray?')).toBe('Tray 2.');
    expect(replyText('Yes\nOn Mon, 1 Dec 2026, a very long sender name\n<x@example.com> wrote:\n> q')).toBe('Yes');
    expect(replyText('Fixed.\n-- \nPat\nACME')).toBe('Fixed.');
    expect(replyText('ok\n-----Original Message-----\nFrom: x')).toBe('ok');
    expect(replyText('done\nFrom: ITSM\nSent: Monday\nTo: me')).toBe('done');
    expect(replyText('> only quoted\n> text')).toBe('');
    expect(replyText('a\n> b\nc')).toBe('a\nc');
  });

  test('titles and storable text', () => {
    expect(titleFromSubject('RE: Fwd: AW:  VPN   down')).toBe('VPN down');
    expect(titleFromSubject('   ')).toBe('(no subject)');
    expect(titleFromSubject(undefined)).toBe('(no subject)');
    expect(titleFromSubject('x'.repeat(400))).toHaveLength(300);
    expect(storableText('a\u0000b', 10)).toBe('ab');
    expect(storableText('ab\ud83d\ude00', 3)).toBe('ab\ufffd');
    expect(storableText('lone \udc00 half', 100)).toBe('lone \ufffd half');
  });
});
