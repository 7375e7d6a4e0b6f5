/** The editor's repeat presets, read from and written as an RRULE. */

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface Repeat {
  /** '' for a single event. */
  freq: '' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  days: Weekday[];
  ends: 'never' | 'until' | 'count';
  /** `YYYY-MM-DD`. */
  until: string;
  count: number;
  /** Parts of the rule the editor does not show, kept as they were. */
  rest: string[];
}

export function fromRule(rule: string | null): Repeat {
  const r: Repeat = { freq: '', days: [], ends: 'never', until: '', count: 10, rest: [] };
  if (!rule) return r;
  for (const part of rule.split(';')) {
    const [key = '', value = ''] = part.split('=');
    switch (key.toUpperCase()) {
      case 'FREQ':
        if (['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(value)) r.freq = value as Repeat['freq'];
        else r.rest.push(part);
        break;
      case 'BYDAY': {
        const days = value.split(',');
        if (days.every((d) => (WEEKDAYS as readonly string[]).includes(d))) r.days = days as Weekday[];
        else r.rest.push(part);
        break;
      }
      case 'UNTIL':
        r.ends = 'until';
        r.until = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
        break;
      case 'COUNT':
        r.ends = 'count';
        r.count = Number(value) || 1;
        break;
      default:
        if (part) r.rest.push(part);
    }
  }
  return r;
}

/**
 * The rule for the editor's choices. `allDay`: the event starts on a date,
 * so its `UNTIL` is a date too (RFC 5545 wants the same kind as DTSTART).
 */
export function toRule(r: Repeat, allDay = false): string | null {
  if (!r.freq) return null;
  const parts = [`FREQ=${r.freq}`];
  if (r.freq === 'WEEKLY' && r.days.length > 0) {
    parts.push(`BYDAY=${WEEKDAYS.filter((d) => r.days.includes(d)).join(',')}`);
  }
  if (r.ends === 'until' && r.until) {
    const day = r.until.replaceAll('-', '');
    parts.push(allDay ? `UNTIL=${day}` : `UNTIL=${day}T235959Z`);
  }
  if (r.ends === 'count') parts.push(`COUNT=${Math.max(1, Math.floor(r.count))}`);
  return [...parts, ...r.rest.filter((p) => !/^(FREQ|BYDAY|UNTIL|COUNT)=/i.test(p))].join(';');
}
