import { mentionTokens } from '../../domain/incident/mentions';

describe('mentions in a note', () => {
  test('ids and addresses after a space, a bracket or the start; trailing punctuation dropped; each once', () => {
    expect(mentionTokens('@usr-ann, can you and (@bob@example.com) look? thanks @usr-ann.')).toEqual(['usr-ann', 'bob@example.com']);
    expect(mentionTokens('mail me at ann@example.com')).toEqual([]);
    expect(mentionTokens('@ alone, @@double')).toEqual([]);
  });
  test('at most 20', () => {
    expect(mentionTokens(Array.from({ length: 30 }, (_, i) => `@u${i}`).join(' '))).toHaveLength(20);
  });
});
