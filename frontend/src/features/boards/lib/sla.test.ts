import { describe, expect, it } from 'vitest';
import { mentionCandidates, slaOf, slaText } from './sla';

const NOW = Date.parse('2026-11-27T10:00:00Z');

describe('slaOf', () => {
  it('counts down to the due time', () => {
    const s = slaOf('2026-11-27T12:05:09Z', NOW)!;
    expect(s).toMatchObject({ breached: false, h: 2, m: 5, s: 9, soon: false });
    expect(slaText(s)).toBe('2h 05m');
  });
  it('is soon under an hour, and breached at and after the due time', () => {
    expect(slaOf('2026-11-27T10:04:09Z', NOW)).toMatchObject({ soon: true, breached: false });
    expect(slaText(slaOf('2026-11-27T10:04:09Z', NOW)!)).toBe('4m 09s');
    expect(slaOf('2026-11-27T10:00:00Z', NOW)!.breached).toBe(true);
    const late = slaOf('2026-11-25T08:00:00Z', NOW)!;
    expect(late).toMatchObject({ breached: true, soon: false, d: 2, h: 2 });
    expect(slaText(late, { d: '天', h: '時', m: '分', s: '秒' })).toBe('2天 2時');
  });
  it('has nothing to show without a valid due time', () => {
    expect(slaOf(undefined, NOW)).toBeNull();
    expect(slaOf('soon', NOW)).toBeNull();
  });
});

describe('mentionCandidates', () => {
  it('puts the card people first, without duplicates or me', () => {
    const cards = [
      { assignees: ['finance', 'finance2'], submitter: 'clerk' },
      { assignees: ['manager'], submitter: 'clerk' },
    ];
    expect(mentionCandidates(cards, cards[1], 'finance2')).toEqual(['manager', 'clerk', 'finance']);
  });
});
