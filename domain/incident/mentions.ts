/**
 * `@someone` in a note's text: a user id (`@usr-ann`) or an e-mail address (`@ann@example.com`),
 * at the start or after a space or an opening bracket, each once, in order, at most 20.
 */
export function mentionTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s(\[{,;])@([A-Za-z0-9][A-Za-z0-9._%+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)/g)) {
    const token = m[1].replace(/[.,;:!?]+$/, '');
    if (!out.includes(token)) out.push(token);
    if (out.length === 20) break;
  }
  return out;
}
