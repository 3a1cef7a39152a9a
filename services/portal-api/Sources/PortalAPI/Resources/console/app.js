// The console's shell: who is signed in, the navigation, and a router over /portal/<page>.
import { api, signOut } from './api.js';
import { h, clear, failure, loading } from './ui.js';
import * as signin from './page-signin.js';
import * as dashboard from './page-dashboard.js';
import * as audit from './page-audit.js';
import * as tail from './page-tail.js';
import * as tools from './page-tools.js';
import * as upstreams from './page-upstreams.js';
import * as keys from './page-keys.js';
import * as server from './page-server.js';

const pages = [
  ['', 'Dashboard', dashboard],
  ['audit', 'Audit', audit],
  ['tail', 'Live tail', tail],
  ['tools', 'Tools', tools],
  ['upstreams', 'Upstreams', upstreams],
  ['keys', 'Keys', keys],
  ['server', 'Server', server],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let me = null;
let cleanup = null;

function pageName() {
  const rest = location.pathname.replace(/^\/portal\/?/, '');
  return rest.split('/')[0];
}

/** Moves to `path` (under /portal/) without reloading; `replace` keeps history short for filter edits. */
export function navigate(path, { replace = false } = {}) {
  const url = path.startsWith('/') ? path : `/portal/${path}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

function drawChrome() {
  const current = pageName();
  nav.hidden = !me;
  clear(nav, h('ul', {}, pages.map(([path, label]) =>
    h('li', {}, h('a', { href: `/portal/${path}`, 'data-link': true, 'aria-current': path === current ? 'page' : undefined }, label)))));
  if (!me) { clear(who); return; }
  clear(who,
    h('span', { class: 'identity', title: `auth: ${me.auth_type}` }, me.name || me.subject),
    h('span', { class: 'scopes' }, me.scopes.length ? me.scopes.join(' ') : 'no scopes'),
    h('button', { type: 'button', class: 'secondary', id: 'sign-out', onclick: async () => {
      try { await signOut(); } catch { /* the cookie is cleared or already gone */ }
      me = null;
      navigate('/portal/signin');
    } }, 'Sign out'));
}

async function render() {
  if (cleanup) { cleanup(); cleanup = null; }
  delete main.dataset.renderedMs;
  const name = pageName();
  if (!me && name !== 'signin') {
    clear(main, loading('Checking your session…'));
    try {
      me = await api('portal/me');
    } catch (error) {
      if (error.status === 401) { history.replaceState(null, '', `/portal/signin?next=${encodeURIComponent(location.pathname + location.search)}`); return render(); }
      drawChrome();
      clear(main, failure(error));
      return;
    }
  }
  drawChrome();
  const entry = name === 'signin' ? ['signin', 'Sign in', signin] : pages.find(([path]) => path === name);
  if (!entry) { clear(main, h('div', { class: 'state error', role: 'alert' }, h('strong', {}, 'No such page'), h('p', {}, location.pathname))); return; }
  document.title = `${entry[1]} · Tollgate console`;
  clear(main, loading());
  const params = new URLSearchParams(location.search);
  const context = { me, params, navigate, signedIn: (identity) => { me = identity; } };
  try {
    cleanup = (await entry[2].render(main, context)) || null;
  } catch (error) {
    if (error && error.status === 401) { me = null; return navigate('/portal/signin', { replace: true }); }
    clear(main, failure(error));
  }
  main.focus({ preventScroll: true });
  // When the page was drawn, in ms since navigation began (bench/console_bench.py reads it).
  main.dataset.renderedMs = String(Math.round(performance.now()));
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || link.target) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', render);
render();
