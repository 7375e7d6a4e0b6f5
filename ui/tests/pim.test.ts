import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { SaveContact, SaveEvent } from '../src/lib/backend-types';
import { mockCollection, mockContactFields, mockEventFields } from '../src/lib/backend.mock';
import { expectAccessible, goTo, renderSignedIn } from './helpers';

const CALENDARS = [
  mockCollection({ id: 1, name: 'Cooperativa', color: '#0b6e69' }),
  mockCollection({ id: 2, name: 'Junta', readOnly: true, color: '#aa3300' }),
  mockCollection({ id: 3, kind: 'addressbook', name: 'Sòcies', color: null, pending: 2, status: 'pending' }),
];

function today(h: number): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(h)}:00`;
}

describe('calendar', () => {
  it('shows this week with the member’s calendars, and saves a new event', async () => {
    const { user, backend } = await renderSignedIn({
      pim: {
        collections: CALENDARS,
        events: [
          { itemId: 10, calendarId: 1, fields: mockEventFields({ summary: 'Assemblea', start: today(10), end: today(11) }), exdates: [] },
          { itemId: 11, calendarId: 2, fields: mockEventFields({ summary: 'Reunió de junta', start: today(12), end: today(13) }), exdates: [] },
        ],
      },
    });
    await goTo(user, 'calendar');
    // jsdom lays nothing out: the agenda (a list) shows events without it.
    await user.click(await screen.findByTestId('calendar-view-listMonth'));
    const list = await screen.findByTestId('calendar-collections');
    expect(within(list).getByText('Cooperativa')).toBeInTheDocument();
    expect(within(list).getByText('Només lectura')).toBeInTheDocument();
    expect(await screen.findByText('Assemblea')).toBeInTheDocument();
    expect(screen.getByText('Reunió de junta')).toBeInTheDocument();

    await user.click(screen.getByTestId('calendar-new'));
    const editor = await screen.findByTestId('event-editor');
    await user.type(within(editor).getByTestId('event-summary'), 'Sopar');
    // Read-only calendars are not offered.
    const options = within(within(editor).getByTestId('event-calendar')).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['Cooperativa']);
    await user.click(within(editor).getByTestId('event-save'));
    await waitFor(() => expect(screen.queryByTestId('event-editor')).toBeNull());
    const saved = backend.callsTo('saveEvent')[0]?.[0] as SaveEvent;
    expect(saved.fields.summary).toBe('Sopar');
    expect(saved.calendarId).toBe(1);
    expect(saved.itemId).toBeNull();
    await user.click(screen.getByTestId('calendar-view-timeGridWeek'));
    // The npm widget's own markup has three axe findings (an <article> with
    // role=button, list roles around its toolbar, h4 titles): recorded in
    // docs/decisions/0011; the rest of the page is checked.
    await expectAccessible(['[data-testid="calendar-widget"]']);
  });

  it('says a read-only event cannot be changed, and refuses an end before the start', async () => {
    const { user } = await renderSignedIn({
      pim: {
        collections: CALENDARS,
        events: [
          { itemId: 11, calendarId: 2, fields: mockEventFields({ summary: 'Reunió de junta', start: today(12), end: today(13) }), exdates: [] },
          { itemId: 12, calendarId: 1, fields: mockEventFields({ summary: 'Taller', start: today(15), end: today(16) }), exdates: [] },
        ],
      },
    });
    await goTo(user, 'calendar');
    await user.click(await screen.findByTestId('calendar-view-listMonth'));
    await user.click(await screen.findByText('Reunió de junta'));
    const ro = await screen.findByTestId('event-editor');
    expect(within(ro).getByTestId('event-read-only')).toHaveTextContent('només de lectura');
    expect(within(ro).queryByTestId('event-save')).toBeNull();
    await user.keyboard('{Escape}');

    await user.click(await screen.findByText('Taller'));
    const ed = await screen.findByTestId('event-editor');
    const end = within(ed).getByTestId('event-end') as HTMLInputElement;
    await user.clear(end);
    await user.type(end, today(9));
    await user.click(within(ed).getByTestId('event-save'));
    expect(await within(ed).findByTestId('event-error')).toHaveTextContent(/./);
  });

  it('asks which occurrences a change of a repeating event is for', async () => {
    const { user, backend } = await renderSignedIn({
      pim: {
        collections: CALENDARS,
        events: [
          { itemId: 20, calendarId: 1, fields: mockEventFields({ summary: 'Setmanal', start: today(9), end: today(10), rrule: 'FREQ=WEEKLY;COUNT=4' }), exdates: [] },
        ],
      },
    });
    await goTo(user, 'calendar');
    await user.click(await screen.findByTestId('calendar-view-listMonth'));
    await user.click((await screen.findAllByText('Setmanal'))[0]!);
    const ed = await screen.findByTestId('event-editor');
    expect(within(ed).getByTestId('event-scope')).toHaveTextContent('Aquest i els següents');
    await user.click(within(ed).getByTestId('event-scope-following'));
    await user.clear(within(ed).getByTestId('event-summary'));
    await user.type(within(ed).getByTestId('event-summary'), 'Setmanal nou');
    await user.click(within(ed).getByTestId('event-save'));
    await waitFor(() => expect(backend.callsTo('saveEvent')).toHaveLength(1));
    const saved = backend.callsTo('saveEvent')[0]?.[0] as SaveEvent;
    expect(saved.scope).toBe('following');
    expect(saved.recurrenceId).not.toBeNull();
    expect(saved.fields.rrule).toBe('FREQ=WEEKLY;COUNT=4');
  });

  it('offers to make a calendar when there is none', async () => {
    const { user, backend } = await renderSignedIn({ pim: { collections: [] } });
    await goTo(user, 'calendar');
    expect(await screen.findByTestId('calendar-none')).toHaveTextContent('Encara no tens cap calendari');
    await user.click(screen.getByTestId('calendar-create'));
    await waitFor(() => expect(backend.callsTo('createCollection')).toHaveLength(1));
    expect(backend.callsTo('createCollection')[0]).toEqual([1, 'calendar', 'Personal', '#0b6e69']);
    expect(await within(screen.getByTestId('calendar-collections')).findByText('Personal')).toBeInTheDocument();
  });
});

describe('contacts', () => {
  const contacts = [
    {
      itemId: 30,
      addressbookId: 3,
      fields: mockContactFields({
        name: 'Núria Puig',
        emails: [{ kind: 'work', value: 'nuria.puig@cooperativa.example' }],
        phones: [{ kind: 'cell', value: '+34 600 11 22 33' }],
        organisation: 'SomNúvol',
      }),
    },
    { itemId: 31, addressbookId: 3, fields: mockContactFields({ name: 'Pau Serra', given: 'Pau', family: 'Serra' }) },
  ];

  it('finds a contact by part of its e-mail as the member types, and opens mail and phone', async () => {
    const { user, backend } = await renderSignedIn({ pim: { collections: CALENDARS, contacts } });
    await goTo(user, 'contacts');
    expect(await screen.findAllByTestId('contact-row')).toHaveLength(2);
    expect(screen.getByTestId('addressbook-collections')).toHaveTextContent('2 canvis per enviar');
    await user.type(screen.getByTestId('contacts-search'), 'puig@coop');
    await waitFor(() => expect(screen.getAllByTestId('contact-row')).toHaveLength(1));
    await user.click(screen.getByTestId('contact-row'));
    expect(await screen.findByTestId('contact-name')).toHaveTextContent('Núria Puig');
    await user.click(screen.getByTestId('contact-email'));
    await user.click(screen.getByTestId('contact-phone'));
    expect(backend.callsTo('openContactLink')).toEqual([
      ['mailto', 'nuria.puig@cooperativa.example'],
      ['tel', '+34 600 11 22 33'],
    ]);
    await user.clear(screen.getByTestId('contacts-search'));
    await user.type(screen.getByTestId('contacts-search'), 'ningú');
    expect(await screen.findByTestId('contacts-empty')).toHaveTextContent('Cap contacte no coincideix amb «ningú»');
    await expectAccessible();
  });

  it('makes, edits and deletes a contact', async () => {
    const { user, backend } = await renderSignedIn({ pim: { collections: CALENDARS, contacts } });
    await goTo(user, 'contacts');
    await user.click(await screen.findByTestId('contacts-new'));
    const ed = await screen.findByTestId('contact-editor');
    await user.type(within(ed).getByTestId('contact-given'), 'Jana');
    await user.type(within(ed).getByTestId('contact-family'), 'Roig');
    await user.click(within(ed).getByTestId('contact-add-email'));
    await user.type(within(ed).getByTestId('contact-email-input-0'), 'jana@example.org');
    await user.click(within(ed).getByTestId('contact-save'));
    expect(await screen.findByTestId('contact-name')).toHaveTextContent('Jana Roig');
    const made = backend.callsTo('saveContact')[0]?.[0] as SaveContact;
    expect(made.fields.emails).toEqual([{ kind: 'home', value: 'jana@example.org' }]);

    await user.click(screen.getByTestId('contact-edit'));
    const ed2 = await screen.findByTestId('contact-editor');
    await user.type(within(ed2).getByTestId('contact-organisation'), 'Coop');
    await user.click(within(ed2).getByTestId('contact-save'));
    await waitFor(() => expect(backend.callsTo('saveContact')).toHaveLength(2));
    expect((backend.callsTo('saveContact')[1]?.[0] as SaveContact).fields.organisation).toBe('Coop');

    await user.click(await screen.findByTestId('contact-delete'));
    await user.click(await screen.findByTestId('contact-delete-confirm'));
    await waitFor(() => expect(backend.callsTo('deleteContact')).toHaveLength(1));
    await waitFor(() => expect(screen.getAllByTestId('contact-row')).toHaveLength(2));
  });
});

describe('calendars and address books', () => {
  it('renames, recolours and deletes a calendar', async () => {
    const { user, backend } = await renderSignedIn({ pim: { collections: CALENDARS } });
    await goTo(user, 'calendar');
    const list = await screen.findByTestId('calendar-collections');
    // Only the member's own: the read-only share has no edit.
    expect(within(list).getAllByTestId('collection-edit')).toHaveLength(1);
    await user.click(within(list).getByTestId('collection-edit'));
    const dialog = await screen.findByTestId('collection-editor');
    const name = within(dialog).getByTestId('collection-name');
    await user.clear(name);
    await user.type(name, 'Cooperativa 2027');
    await user.click(within(dialog).getByTestId('collection-save'));
    await waitFor(() => expect(backend.callsTo('updateCollection')).toHaveLength(1));
    expect(backend.callsTo('updateCollection')[0]).toEqual([1, 'Cooperativa 2027', '#0b6e69']);
    expect(await within(list).findByText('Cooperativa 2027')).toBeInTheDocument();

    await user.click(within(list).getByTestId('collection-edit'));
    await user.click(within(await screen.findByTestId('collection-editor')).getByTestId('collection-delete'));
    expect(screen.getByTestId('collection-editor')).toHaveTextContent('Vols suprimir «Cooperativa 2027»');
    await expectAccessible(['[data-testid="calendar-widget"]']);
    await user.click(screen.getByTestId('collection-delete-confirm'));
    await waitFor(() => expect(backend.callsTo('deleteCollection')).toEqual([[1]]));
    await waitFor(() => expect(within(list).queryByText('Cooperativa 2027')).toBeNull());
  });
});

describe('calendar search', () => {
  it('finds events by part of their title or place and opens one', async () => {
    const { user, backend } = await renderSignedIn({
      pim: {
        collections: CALENDARS,
        events: [
          { itemId: 40, calendarId: 1, fields: mockEventFields({ summary: 'Assemblea general', location: 'Ateneu', start: today(18), end: today(20) }), exdates: [] },
          { itemId: 41, calendarId: 1, fields: mockEventFields({ summary: 'Sopar', location: 'Ateneu', start: today(21), end: today(23) }), exdates: [] },
          { itemId: 42, calendarId: 1, fields: mockEventFields({ summary: 'Taller', start: today(9), end: today(10) }), exdates: [] },
        ],
      },
    });
    await goTo(user, 'calendar');
    await user.type(await screen.findByTestId('calendar-search'), 'ateneu');
    await waitFor(() => expect(screen.getAllByTestId('calendar-result')).toHaveLength(2));
    await user.clear(screen.getByTestId('calendar-search'));
    await user.type(screen.getByTestId('calendar-search'), 'assemb');
    await waitFor(() => expect(screen.getAllByTestId('calendar-result')).toHaveLength(1));
    await user.click(screen.getByTestId('calendar-result'));
    const editor = await screen.findByTestId('event-editor');
    expect(within(editor).getByTestId('event-summary')).toHaveValue('Assemblea general');
    expect(backend.callsTo('event')[0]).toEqual([40, null]);
    await user.keyboard('{Escape}');
    await user.clear(screen.getByTestId('calendar-search'));
    await user.type(screen.getByTestId('calendar-search'), 'res de res');
    expect(await screen.findByTestId('calendar-no-match')).toHaveTextContent('Cap esdeveniment no coincideix amb «res de res»');
  });
});

describe('contact groups', () => {
  it('shows one group’s contacts', async () => {
    const { user, backend } = await renderSignedIn({
      pim: {
        collections: CALENDARS,
        contacts: [
          { itemId: 50, addressbookId: 3, fields: mockContactFields({ name: 'Núria Puig', groups: ['Junta', 'Finances'] }) },
          { itemId: 51, addressbookId: 3, fields: mockContactFields({ name: 'Pau Serra', groups: ['Junta'] }) },
          { itemId: 52, addressbookId: 3, fields: mockContactFields({ name: 'Jana Roig' }) },
        ],
      },
    });
    await goTo(user, 'contacts');
    expect(await screen.findAllByTestId('contact-row')).toHaveLength(3);
    const select = screen.getByTestId('contacts-group');
    expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Tots els contactes',
      'Finances (1)',
      'Junta (2)',
    ]);
    await user.selectOptions(select, 'Junta');
    await waitFor(() => expect(screen.getAllByTestId('contact-row')).toHaveLength(2));
    await user.type(screen.getByTestId('contacts-search'), 'serra');
    await waitFor(() => expect(screen.getAllByTestId('contact-row')).toHaveLength(1));
    expect(backend.callsTo('searchContacts').at(-1)).toEqual(['serra', 200, 'Junta']);
    await expectAccessible();
  });
});

describe('reminders', () => {
  it('adds, changes and removes reminders of an event', async () => {
    const { user, backend } = await renderSignedIn({
      pim: {
        collections: CALENDARS,
        events: [
          { itemId: 60, calendarId: 1, fields: mockEventFields({ summary: 'Trucada', start: today(11), end: today(12), reminders: [10] }), exdates: [] },
        ],
      },
    });
    await goTo(user, 'calendar');
    await user.click(await screen.findByTestId('calendar-view-listMonth'));
    await user.click(await screen.findByText('Trucada'));
    const ed = await screen.findByTestId('event-editor');
    // A reminder the presets do not have is shown as it is.
    expect(within(ed).getByTestId('event-reminder-0')).toHaveDisplayValue('10 minuts abans');
    await user.click(within(ed).getByTestId('event-add-reminder'));
    await user.selectOptions(within(ed).getByTestId('event-reminder-1'), '1440');
    await user.selectOptions(within(ed).getByTestId('event-reminder-0'), '0');
    await user.click(within(ed).getByTestId('event-save'));
    await waitFor(() => expect(backend.callsTo('saveEvent')).toHaveLength(1));
    expect((backend.callsTo('saveEvent')[0]?.[0] as SaveEvent).fields.reminders).toEqual([0, 1440]);
  });
});

describe('contact names', () => {
  it('keeps a shown name that is not just the names when something else changes', async () => {
    const { user, backend } = await renderSignedIn({
      pim: {
        collections: CALENDARS,
        contacts: [
          { itemId: 70, addressbookId: 3, fields: mockContactFields({ name: 'Sr. Pau Serra i Roig', given: 'Pau', family: 'Serra i Roig' }) },
        ],
      },
    });
    await goTo(user, 'contacts');
    await user.click(await screen.findByTestId('contact-row'));
    await user.click(await screen.findByTestId('contact-edit'));
    let ed = await screen.findByTestId('contact-editor');
    await user.type(within(ed).getByTestId('contact-organisation'), 'Coop');
    await user.click(within(ed).getByTestId('contact-save'));
    await waitFor(() => expect(backend.callsTo('saveContact')).toHaveLength(1));
    expect((backend.callsTo('saveContact')[0]?.[0] as SaveContact).fields.name).toBe('Sr. Pau Serra i Roig');
    // The names changed: the shown name follows them.
    await user.click(await screen.findByTestId('contact-edit'));
    ed = await screen.findByTestId('contact-editor');
    await user.clear(within(ed).getByTestId('contact-given'));
    await user.type(within(ed).getByTestId('contact-given'), 'Pere');
    await user.click(within(ed).getByTestId('contact-save'));
    await waitFor(() => expect(backend.callsTo('saveContact')).toHaveLength(2));
    expect((backend.callsTo('saveContact')[1]?.[0] as SaveContact).fields.name).toBe('Pere Serra i Roig');
  });
});
