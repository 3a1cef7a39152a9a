// Small DOM helpers. Text always goes in as text (never as HTML), so nothing from an audit
// row, a tool or an upstream can inject markup into the console.

/** `h('a', {href: '/x', class: 'y', onclick: f}, 'text', child)`. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// One formatter for every time on a page: `toLocaleString` builds a new one per call, which
// dominated the render of long tables.
const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

/** A time in the browser's zone, with the UTC value on hover. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, iso);
  return h('time', { datetime: date.toISOString(), title: `${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (UTC)` }, localTime.format(date));
}

export const ms = (value) => (value === null || value === undefined ? '—' : `${Math.round(value * 10) / 10} ms`);
export const percent = (value) => (value === null || value === undefined ? '—' : `${Math.round(value * 1000) / 10}%`);
export const count = (value) => (value === null || value === undefined ? '—' : Number(value).toLocaleString());

export function loading(text = 'Loading…') {
  return h('p', { class: 'state', role: 'status' }, text);
}

export function empty(text) {
  return h('p', { class: 'state empty' }, text);
}

/** An API failure as a message: a 503 says which dependency is down, never a blank page. */
export function failure(error) {
  const status = error && error.status;
  const title = status === 503 ? 'A service the console needs is unavailable' : status === 403 ? 'Not allowed' : 'Something went wrong';
  return h('div', { class: 'state error', role: 'alert' }, h('strong', {}, title), h('p', {}, error ? error.message : 'Unknown error.'));
}

/** A table with a header row; `columns` are `[label, (row) => cell]`. */
export function table(columns, rows, { caption, onRow, rowLabel } = {}) {
  const body = rows.map((row) =>
    h('tr', onRow ? { tabindex: 0, class: 'clickable', 'aria-label': rowLabel ? rowLabel(row) : undefined, onclick: () => onRow(row), onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); onRow(row); } } } : {},
      columns.map(([, cell]) => h('td', {}, cell(row))))
  );
  return h('div', { class: 'table-wrap' },
    h('table', {}, caption ? h('caption', {}, caption) : null, h('thead', {}, h('tr', {}, columns.map(([label]) => h('th', { scope: 'col' }, label)))), h('tbody', {}, body)));
}

export function badge(text, kind = '') {
  return h('span', { class: `badge ${kind}` }, text);
}

export function outcome(success) {
  return success ? badge('ok', 'ok') : badge('error', 'bad');
}

/** A labelled control: `field('Tool', h('input', {...}))`. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', { class: 'muted' }, hint) : null);
}

/** Pretty JSON, with `[redacted]` markers shown as such. */
export function json(value) {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const pre = h('pre', { class: 'json' });
  const parts = text.split(/("\[redacted\]")/);
  for (const part of parts) pre.append(part === '"[redacted]"' ? h('mark', { class: 'redacted', title: 'redacted by the gateway' }, 'redacted') : document.createTextNode(part));
  return pre;
}

/** Asks before a change; resolves true on confirm. A modal dialog, usable from the keyboard. */
export function confirmDialog(message, action = 'Confirm') {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'aria-label': action });
    const done = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    dialog.append(
      h('p', {}, message),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', 'data-confirm': true, onclick: () => done(true) }, action))
    );
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('[data-confirm]').focus();
  });
}

export function section(title, ...children) {
  return h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), ...children);
}

/** The page for a caller without the admin scope. */
export function denied(me, what) {
  return h('div', { class: 'state denied', role: 'alert' },
    h('strong', {}, 'Access denied'),
    h('p', {}, `${what} needs the admin scope. You are signed in as ${me.subject} with scopes: ${me.scopes.length ? me.scopes.join(', ') : 'none'}.`));
}
