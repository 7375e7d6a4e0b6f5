import { describe, expect, it } from 'vitest';
import { fromRule, toRule } from '../src/pages/calendar/repeat';

describe('repeat rules', () => {
  it('reads and writes the presets, keeping what the editor does not show', () => {
    const r = fromRule('FREQ=WEEKLY;BYDAY=WE,MO;COUNT=6;WKST=SU');
    expect(r.freq).toBe('WEEKLY');
    expect(r.days).toEqual(['WE', 'MO']);
    expect(r.ends).toBe('count');
    expect(toRule(r)).toBe('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6;WKST=SU');
    expect(toRule(fromRule(null))).toBeNull();
  });

  it('ends a timed series at the end of its last day, an all-day one on a date', () => {
    const r = fromRule('FREQ=DAILY');
    r.ends = 'until';
    r.until = '2027-01-31';
    expect(toRule(r)).toBe('FREQ=DAILY;UNTIL=20270131T235959Z');
    expect(toRule(r, true)).toBe('FREQ=DAILY;UNTIL=20270131');
    expect(fromRule('FREQ=DAILY;UNTIL=20270131').until).toBe('2027-01-31');
  });
});
