// The audit explorer: filters held in the URL, a paged table, an event drawer with the
// captured payload, replay, and NDJSON export of the current filter.
import { api, query } from './api.js';
import { h, clear, table, time, outcome, ms, json, badge, field, confirmDialog, failure, empty, loading, section } from './ui.js';

const pageSize = 50;
/** The plain filters of /audit/events, in the order of the filter bar. */
const plain = ['from', 'to', 'tool', 'user', 'session', 'success', 'q'];

/** The filters of the current URL as query pairs (JSON filters and `has` included). */
export function filterPairs(params) {
  const pairs = [];
  for (const [key, value] of params) {
    if (plain.includes(key) || key === 'has' || /^(param|response|header)\.[^=]+$/.test(key)) pairs.push([key, value]);
  }
  return pairs;
}

function localInput(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

export async function render(main, { params, navigate, me }) {
  const meta = await api('portal/audit/meta');
  const offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
  const filters = filterPairs(params);

  const inputs = {
    from: h('input', { type: 'datetime-local', name: 'from', value: localInput(params.get('from')) }),
    to: h('input', { type: 'datetime-local', name: 'to', value: localInput(params.get('to')) }),
    tool: h('input', { type: 'text', name: 'tool', value: params.get('tool') || '', placeholder: 'echo' }),
    user: h('input', { type: 'text', name: 'user', value: params.get('user') || '', placeholder: 'apikey:dev' }),
    session: h('input', { type: 'text', name: 'session', value: params.get('session') || '' }),
    success: h('select', { name: 'success' }, [['', 'any'], ['true', 'succeeded'], ['false', 'failed']].map(([value, label]) =>
      h('option', { value, selected: (params.get('success') || '') === value }, label))),
    q: h('input', { type: 'search', name: 'q', value: params.get('q') || '', placeholder: 'text in the call' }),
    has: h('select', { name: 'has' }, [h('option', { value: '' }, 'anything')].concat(meta.has_keys.map((key) => h('option', { value: key, selected: params.get('has') === key }, key)))),
    json: h('textarea', { name: 'json', rows: 2, placeholder: meta.json_sources.map((s) => `${s}.path=value`).join('\n') },
      filters.filter(([key]) => key.includes('.')).map(([key, value]) => `${key}=${value}`).join('\n')),
  };
  const message = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'filters panel', 'aria-label': 'Audit filters', onsubmit: (event) => {
    event.preventDefault();
    const pairs = [];
    for (const key of plain) {
      const value = inputs[key].value.trim();
      if (!value) continue;
      pairs.push([key, key === 'from' || key === 'to' ? new Date(value).toISOString() : value]);
    }
    if (inputs.has.value) pairs.push(['has', inputs.has.value]);
    for (const line of inputs.json.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const at = line.indexOf('=');
      const key = at > 0 ? line.slice(0, at) : '';
      if (!meta.json_sources.some((source) => key.startsWith(`${source}.`))) {
        message.textContent = `"${line}" is not a filter: write ${meta.json_sources.map((s) => `${s}.path=value`).join(', ')}.`;
        return;
      }
      pairs.push([key, line.slice(at + 1)]);
    }
    navigate(`/portal/audit${query(pairs)}`);
  } },
  h('div', { class: 'grid' },
    field('From', inputs.from), field('To', inputs.to), field('Tool', inputs.tool), field('User', inputs.user),
    field('Session', inputs.session), field('Outcome', inputs.success), field('Text', inputs.q), field('Has', inputs.has)),
  field('JSON filters (one per line)', inputs.json),
  message,
  h('div', { class: 'actions' },
    h('button', { type: 'submit' }, 'Apply filters'),
    h('a', { class: 'button secondary', href: '/portal/audit', 'data-link': true }, 'Clear'),
    h('a', { class: 'button secondary', id: 'export', href: `/api/v1/portal/audit/export${query(filters.concat([['format', 'jsonl']]))}`, download: 'audit.ndjson' }, 'Export NDJSON')));

  const results = h('div', { id: 'results' }, loading('Searching…'));
  const drawer = h('aside', { id: 'drawer', class: 'drawer', 'aria-label': 'Event details', hidden: true });
  clear(main, h('h1', {}, 'Audit explorer'), form, results, drawer);

  const open = (id) => openDrawer(drawer, id, { navigate, params, me });
  try {
    const page = await api(`portal/audit/events${query(filters.concat([['limit', pageSize], ['offset', offset]]))}`);
    // Without a next page the count is known; otherwise the API's capped or estimated total.
    const total = !page.has_more ? `${(offset + page.events.length).toLocaleString()} events`
      : page.total_exact ? `${page.total.toLocaleString()} events`
        : `about ${page.total.toLocaleString()}${page.total_estimated ? ' (estimated)' : '+'} events`;
    const pageLink = (to, label, disabled) => {
      const next = new URLSearchParams(params);
      next.delete('event');
      if (to > 0) next.set('offset', to); else next.delete('offset');
      return disabled ? h('span', { class: 'button secondary disabled', 'aria-disabled': 'true' }, label) : h('a', { class: 'button secondary', href: `/portal/audit?${next}`, 'data-link': true }, label);
    };
    clear(results,
      page.events.length
        ? table([
          ['Time', (e) => time(e.timestamp)], ['Tool', (e) => e.tool_name], ['Caller', (e) => e.user_subject ?? '—'],
          ['Outcome', (e) => outcome(e.success)], ['Duration', (e) => ms(e.duration_ms)], ['Source', (e) => e.source],
        ], page.events, { caption: total, onRow: (e) => open(e.id), rowLabel: (e) => `Open ${e.tool_name} at ${e.timestamp}` })
        : empty('No events match these filters.'),
      h('nav', { class: 'pager', 'aria-label': 'Pages' },
        pageLink(Math.max(0, offset - pageSize), 'Previous', offset === 0),
        h('span', {}, `${offset + 1}–${offset + page.events.length}`),
        pageLink(offset + pageSize, 'Next', !page.has_more)));
  } catch (error) {
    clear(results, failure(error));
  }
  if (params.get('event')) open(params.get('event'));
}

async function openDrawer(drawer, id, { me }) {
  drawer.hidden = false;
  clear(drawer, loading('Loading the event…'));
  let event;
  try {
    event = await api(`portal/audit/events/${encodeURIComponent(id)}`);
  } catch (error) {
    clear(drawer, closeButton(drawer), failure(error));
    return;
  }
  const payload = event.payload;
  const facts = [
    ['Id', event.id], ['Time', time(event.timestamp)], ['Tool', event.tool_name], ['Group', event.tool_group ?? '—'],
    ['Outcome', outcome(event.success)], ['Duration', ms(event.duration_ms)], ['Caller', event.user_subject ?? '—'],
    ['Auth', `${event.auth_type ?? '—'}${event.api_key_name ? ` (key ${event.api_key_name})` : ''}`], ['Session', event.session_id ?? '—'],
    ['Request id', event.request_id ?? '—'], ['Trace', event.trace_id ?? '—'], ['Source', event.source], ['Transport', event.transport ?? '—'],
    ['Remote address', event.remote_addr ?? '—'], ['Error', event.error_message ? `${event.error_message} (${event.error_category ?? 'error'})` : '—'],
  ];
  const status = h('p', { role: 'status', class: 'muted' });
  const replay = h('button', { type: 'button', id: 'replay', disabled: !payload, onclick: async () => {
    if (!(await confirmDialog(`Run ${event.tool_name} again with the captured arguments, as you? This makes a new call and a new audit event.`, 'Replay'))) return;
    replay.disabled = true;
    status.textContent = 'Replaying…';
    const started = new Date(Date.now() - 2000).toISOString();
    try {
      await api(`portal/audit/events/${encodeURIComponent(id)}/replay`, { method: 'POST' });
      status.textContent = 'Replayed; looking for the new event…';
      const replayed = await findReplay(event, started, me);
      if (replayed) return openDrawer(drawer, replayed, { me });
      status.textContent = 'Replayed. The new event is not visible yet; it will appear in the table.';
    } catch (error) {
      status.textContent = error.status === 429 ? `Replay limit reached; try again in ${error.retryAfter ?? 'a few'} seconds.` : error.message;
    }
    replay.disabled = false;
  } }, 'Replay');
  clear(drawer,
    h('div', { class: 'drawer-head' }, h('h2', {}, 'Event'), closeButton(drawer)),
    h('dl', { class: 'facts' }, facts.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)])),
    h('div', { class: 'actions' }, replay), status,
    payload ? payloadView(payload) : h('p', { class: 'muted' }, 'No payload was captured for this event.'));
  drawer.querySelector('h2').setAttribute('tabindex', '-1');
  drawer.querySelector('h2').focus();
}

async function findReplay(event, since, me) {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const page = await api(`portal/audit/events${query([['tool', event.tool_name], ['user', me.subject], ['has', 'replayed_from'], ['from', since], ['limit', 10]])}`);
    for (const candidate of page.events) {
      const detail = await api(`portal/audit/events/${encodeURIComponent(candidate.id)}`);
      if (detail.payload && detail.payload.replayed_from === event.id) return candidate.id;
    }
  }
  return null;
}

function closeButton(drawer) {
  return h('button', { type: 'button', class: 'secondary', 'aria-label': 'Close the event', onclick: () => { drawer.hidden = true; } }, 'Close');
}

function payloadView(payload) {
  const truncated = (flag) => (flag ? badge('truncated', 'warn') : null);
  const parts = [
    section('Request', h('p', { class: 'muted' }, `${payload.jsonrpc_method ?? ''} · ${payload.request_size_bytes ?? 0} bytes `, truncated(payload.request_truncated)), json(payload.request_params)),
    section('Response', h('p', { class: 'muted' }, `${payload.response_size_bytes ?? 0} bytes `, truncated(payload.response_truncated)),
      payload.response_error ? json(payload.response_error) : json(payload.response_result)),
  ];
  if (payload.notifications && payload.notifications.length) parts.push(section('Notifications', truncated(payload.notifications_truncated), json(payload.notifications)));
  if (payload.request_headers) parts.push(section('Request headers', json(payload.request_headers)));
  if (payload.replayed_from) parts.push(h('p', {}, 'Replay of ', h('a', { href: `/portal/audit?event=${payload.replayed_from}`, 'data-link': true }, payload.replayed_from)));
  return h('div', { class: 'payload' }, parts);
}
