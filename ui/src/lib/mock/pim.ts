/**
 * The mock backend's calendars and contacts: kept in memory like the real
 * state file keeps them, so the Calendar and Contacts pages run in a plain
 * browser and in tests. Events repeat only weekly with a COUNT here (the
 * real engine does all of RFC 5545); times are read in the browser's zone.
 */
import type {
  CalendarEntry,
  ContactDetail,
  ContactFields,
  ContactGroup,
  ContactSummary,
  EditScope,
  EventDetail,
  EventFields,
  PimCollection,
  PimKind,
  SaveContact,
  SaveEvent,
} from '../backend-types';

export interface MockEvent {
  itemId: number;
  calendarId: number;
  fields: EventFields;
  /** Occurrences taken out (their start, seconds). */
  exdates: number[];
}

export interface MockContact {
  itemId: number;
  addressbookId: number;
  fields: ContactFields;
}

export interface MockPimState {
  collections: PimCollection[];
  events: MockEvent[];
  contacts: MockContact[];
}

type Fault = (code: 'not_found' | 'read_only' | 'invalid_input', message: string) => never;

export function mockCollection(partial: Partial<PimCollection> = {}): PimCollection {
  return {
    id: 1,
    accountId: 1,
    kind: 'calendar',
    name: 'Personal',
    color: '#0b6e69',
    readOnly: false,
    hidden: false,
    pending: 0,
    status: 'in_sync',
    error: null,
    syncedAt: null,
    ...partial,
  };
}

export function mockEventFields(partial: Partial<EventFields> = {}): EventFields {
  return {
    summary: 'Assemblea',
    location: '',
    description: '',
    allDay: false,
    start: '2026-12-07T18:00',
    end: '2026-12-07T19:00',
    tzid: 'Europe/Madrid',
    rrule: null,
    reminders: [],
    ...partial,
  };
}

export function mockContactFields(partial: Partial<ContactFields> = {}): ContactFields {
  return {
    name: 'Núria Puig',
    given: 'Núria',
    family: 'Puig',
    emails: [],
    phones: [],
    addresses: [],
    organisation: '',
    birthday: '',
    note: '',
    groups: [],
    photo: null,
    ...partial,
  };
}

function toSeconds(local: string, allDay: boolean): number {
  const [date, time] = local.split('T');
  const [y, m, d] = (date ?? '').split('-').map(Number);
  const [hh, mm] = allDay ? [0, 0] : (time ?? '0:0').split(':').map(Number);
  return Math.floor(new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0).getTime() / 1000);
}

function occurrences(e: MockEvent): { start: number; end: number; rid: number | null }[] {
  const f = e.fields;
  const start = toSeconds(f.start, f.allDay);
  const end = f.allDay ? toSeconds(f.end, true) + 86_400 : toSeconds(f.end, false);
  const count = /FREQ=WEEKLY/.test(f.rrule ?? '') ? Number(/COUNT=(\d+)/.exec(f.rrule ?? '')?.[1] ?? 10) : 1;
  const out = [];
  for (let i = 0; i < count; i++) {
    const s = start + i * 7 * 86_400;
    if (e.exdates.includes(s)) continue;
    out.push({ start: s, end: end + i * 7 * 86_400, rid: count > 1 ? s : null });
  }
  return out;
}

function nameOf(f: ContactFields): string {
  return f.name.trim() || [f.given, f.family].map((s) => s.trim()).filter(Boolean).join(' ');
}

export function createMockPim(
  state: MockPimState,
  fault: Fault,
  changed: (collectionId: number) => void,
) {
  let nextId = 5000;
  const collection = (id: number) =>
    state.collections.find((c) => c.id === id) ?? fault('not_found', `no collection ${id}`);
  const writable = (id: number, kind: PimKind) => {
    const c = collection(id);
    if (c.kind !== kind) fault('invalid_input', `${c.name} is not a ${kind}`);
    if (c.readOnly) fault('read_only', `${c.name} is read-only`);
    return c;
  };
  const event = (id: number) =>
    state.events.find((e) => e.itemId === id) ?? fault('not_found', `no event ${id}`);
  const contact = (id: number) =>
    state.contacts.find((c) => c.itemId === id) ?? fault('not_found', `no contact ${id}`);
  const check = (f: EventFields) => {
    if (toSeconds(f.end, f.allDay) < toSeconds(f.start, f.allDay)) {
      fault('invalid_input', 'the event ends before it starts');
    }
  };

  function entriesOf(from: number, to: number): CalendarEntry[] {
    const out: CalendarEntry[] = [];
    for (const e of state.events) {
      const c = collection(e.calendarId);
      if (c.hidden) continue;
      for (const o of occurrences(e)) {
        if (o.start < to && o.end > from) {
          out.push({
            itemId: e.itemId,
            calendarId: c.id,
            summary: e.fields.summary,
            location: e.fields.location,
            start: o.start,
            end: o.end,
            allDay: e.fields.allDay,
            recurrenceId: o.rid,
            readOnly: c.readOnly,
            color: c.color,
            pending: false,
          });
        }
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }

  return {
    collections: () => structuredClone(state.collections),
    setHidden: (id: number, hidden: boolean) => {
      collection(id).hidden = hidden;
    },
    create: (accountId: number, kind: PimKind, name: string, color: string | null) => {
      if (!name.trim()) fault('invalid_input', 'a name is needed');
      const c = mockCollection({ id: nextId++, accountId, kind, name: name.trim(), color });
      state.collections.push(c);
      changed(c.id);
    },
    update: (id: number, name: string, color: string | null): PimCollection => {
      const c = collection(id);
      if (c.readOnly) fault('read_only', `${c.name} is read-only`);
      if (!name.trim()) fault('invalid_input', 'a name is needed');
      c.name = name.trim();
      if (color) c.color = color;
      changed(id);
      return structuredClone(c);
    },
    remove: (id: number) => {
      const c = collection(id);
      state.collections.splice(state.collections.indexOf(c), 1);
      state.events = state.events.filter((e) => e.calendarId !== id);
      state.contacts = state.contacts.filter((x) => x.addressbookId !== id);
      changed(id);
    },
    entries: (from: number, to: number): CalendarEntry[] => entriesOf(from, to),
    searchEvents: (text: string, limit: number): CalendarEntry[] => {
      const needle = text.trim().toLowerCase();
      if (!needle) return [];
      const seen = new Set<number>();
      const out: CalendarEntry[] = [];
      for (const e of entriesOf(0, 4_102_444_800)) {
        if (seen.has(e.itemId)) continue;
        if (!`${e.summary} ${e.location}`.toLowerCase().includes(needle)) continue;
        seen.add(e.itemId);
        out.push(e);
      }
      return out.slice(0, limit);
    },
    event: (itemId: number, recurrenceId: number | null): EventDetail => {
      const e = event(itemId);
      const c = collection(e.calendarId);
      return {
        itemId,
        calendarId: c.id,
        readOnly: c.readOnly,
        recurring: e.fields.rrule !== null,
        recurrenceId,
        fields: structuredClone(e.fields),
        conflictedCopy: false,
      };
    },
    saveEvent: (s: SaveEvent): number => {
      writable(s.calendarId, 'calendar');
      check(s.fields);
      if (s.itemId === null || s.scope === 'following') {
        const itemId = nextId++;
        state.events.push({ itemId, calendarId: s.calendarId, fields: structuredClone(s.fields), exdates: [] });
        changed(s.calendarId);
        return itemId;
      }
      const e = event(s.itemId);
      if (s.scope === 'this' && s.recurrenceId !== null) {
        e.exdates.push(s.recurrenceId);
        const itemId = nextId++;
        state.events.push({
          itemId,
          calendarId: s.calendarId,
          fields: { ...structuredClone(s.fields), rrule: null },
          exdates: [],
        });
        changed(s.calendarId);
        return itemId;
      }
      e.fields = structuredClone(s.fields);
      e.calendarId = s.calendarId;
      changed(s.calendarId);
      return e.itemId;
    },
    deleteEvent: (itemId: number, recurrenceId: number | null, scope: EditScope) => {
      const e = event(itemId);
      writable(e.calendarId, 'calendar');
      if (scope === 'this' && recurrenceId !== null) e.exdates.push(recurrenceId);
      else state.events.splice(state.events.indexOf(e), 1);
      changed(e.calendarId);
    },
    groups: (): ContactGroup[] => {
      const count = new Map<string, number>();
      for (const c of state.contacts) {
        if (collection(c.addressbookId).hidden) continue;
        for (const g of c.fields.groups) count.set(g, (count.get(g) ?? 0) + 1);
      }
      return [...count].map(([name, n]) => ({ name, count: n })).sort((a, b) => a.name.localeCompare(b.name));
    },
    search: (text: string, limit: number, group: string | null = null): ContactSummary[] => {
      const needle = text.trim().toLowerCase();
      return state.contacts
        .filter((c) => !collection(c.addressbookId).hidden)
        .filter((c) => group === null || c.fields.groups.includes(group))
        .map((c) => ({
          itemId: c.itemId,
          addressbookId: c.addressbookId,
          name: nameOf(c.fields),
          emails: c.fields.emails.map((e) => e.value),
          phones: c.fields.phones.map((p) => p.value),
          organisation: c.fields.organisation,
        }))
        .filter((c) =>
          [c.name, ...c.emails, ...c.phones, c.organisation].some((v) => v.toLowerCase().includes(needle)),
        )
        .sort((a, b) => a.name.localeCompare(b.name))
        .slice(0, limit);
    },
    contact: (itemId: number): ContactDetail => {
      const c = contact(itemId);
      return {
        itemId,
        addressbookId: c.addressbookId,
        readOnly: collection(c.addressbookId).readOnly,
        fields: { ...structuredClone(c.fields), name: nameOf(c.fields) },
        conflictedCopy: false,
      };
    },
    saveContact: (s: SaveContact): number => {
      writable(s.addressbookId, 'addressbook');
      if (!nameOf(s.fields)) fault('invalid_input', 'a contact needs a name');
      if (s.itemId === null) {
        const itemId = nextId++;
        state.contacts.push({ itemId, addressbookId: s.addressbookId, fields: structuredClone(s.fields) });
        changed(s.addressbookId);
        return itemId;
      }
      const c = contact(s.itemId);
      c.fields = structuredClone(s.fields);
      c.addressbookId = s.addressbookId;
      changed(s.addressbookId);
      return c.itemId;
    },
    deleteContact: (itemId: number) => {
      const c = contact(itemId);
      writable(c.addressbookId, 'addressbook');
      state.contacts.splice(state.contacts.indexOf(c), 1);
      changed(c.addressbookId);
    },
  };
}
