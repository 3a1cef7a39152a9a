// Live tail: committed events as they arrive (EventSource on /audit/stream), with filters in
// the URL, pause and resume, and a count of events the server dropped for a slow tab.
import { query } from './api.js';
import { h, clear, time, outcome, ms, field } from './ui.js';

const shown = 200;
const keys = ['tool', 'user', 'session', 'success', 'q'];

export async function render(main, { params, navigate }) {
  const pairs = keys.map((key) => [key, params.get(key)]).filter(([, value]) => value);
  const inputs = Object.fromEntries(keys.filter((k) => k !== 'success').map((key) => [key, h('input', { type: 'text', name: key, value: params.get(key) || '' })]));
  inputs.success = h('select', { name: 'success' }, [['', 'any'], ['true', 'succeeded'], ['false', 'failed']].map(([value, label]) =>
    h('option', { value, selected: (params.get('success') || '') === value }, label)));
  const form = h('form', { class: 'filters panel', 'aria-label': 'Live tail filters', onsubmit: (event) => {
    event.preventDefault();
    navigate(`/portal/tail${query(keys.map((key) => [key, inputs[key].value.trim()]))}`, { replace: true });
  } }, h('div', { class: 'grid' }, field('Tool', inputs.tool), field('User', inputs.user), field('Session', inputs.session), field('Outcome', inputs.success), field('Text', inputs.q)),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filters')));

  const state = h('span', { id: 'tail-state', role: 'status' }, 'Connecting…');
  const droppedCounter = h('span', { id: 'tail-dropped' }, '0');
  const waitingCounter = h('span', { id: 'tail-waiting' }, '0');
  const rows = h('tbody', { id: 'tail-rows' });
  let paused = false;
  let waiting = [];
  let dropped = 0;
  const pause = h('button', { type: 'button', id: 'tail-pause', 'aria-pressed': 'false', onclick: () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) { waiting.forEach(add); waiting = []; waitingCounter.textContent = '0'; }
  } }, 'Pause');

  const add = (event) => {
    rows.prepend(h('tr', {}, h('td', {}, time(event.timestamp)), h('td', {}, event.tool_name), h('td', {}, event.user_subject ?? '—'),
      h('td', {}, outcome(event.success)), h('td', {}, ms(event.duration_ms)),
      h('td', {}, h('a', { href: `/portal/audit?event=${event.id}`, 'data-link': true }, 'open'))));
    while (rows.children.length > shown) rows.lastElementChild.remove();
  };

  clear(main, h('h1', {}, 'Live tail'), form,
    h('div', { class: 'panel tail-bar' }, state, pause,
      h('span', {}, 'Waiting while paused: ', waitingCounter), h('span', {}, 'Dropped by the server (tab too slow): ', droppedCounter)),
    h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, `Newest first, the last ${shown}`),
      h('thead', {}, h('tr', {}, ['Time', 'Tool', 'Caller', 'Outcome', 'Duration', ''].map((label) => h('th', { scope: 'col' }, label)))), rows)));

  const source = new EventSource(`/api/v1/portal/audit/stream${query(pairs)}`, { withCredentials: true });
  source.addEventListener('open', () => { state.textContent = 'Live'; state.className = 'live'; });
  source.addEventListener('error', () => { state.textContent = 'Reconnecting… (the stream was interrupted)'; state.className = 'warn'; });
  source.addEventListener('audit', (message) => {
    let event;
    try { event = JSON.parse(message.data); } catch { return; }
    if (paused) {
      waiting.push(event);
      if (waiting.length > shown) waiting.shift();
      waitingCounter.textContent = String(waiting.length);
    } else add(event);
  });
  source.addEventListener('dropped', (message) => {
    try { dropped += JSON.parse(message.data).dropped || 0; } catch { return; }
    droppedCounter.textContent = dropped.toLocaleString();
  });
  return () => source.close();
}
