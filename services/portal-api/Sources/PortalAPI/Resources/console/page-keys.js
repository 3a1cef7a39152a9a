// API keys (admin): list, mint (the plaintext shown once, with a copy button), revoke.
import { api } from './api.js';
import { h, clear, table, time, field, confirmDialog, denied, empty, section, failure } from './ui.js';

export async function render(main, { me, navigate }) {
  if (!me.scopes.includes('admin')) { clear(main, h('h1', {}, 'Keys'), denied(me, 'Managing API keys')); return; }
  const minted = h('div', { id: 'minted', 'aria-live': 'polite' });
  const listing = h('div', { id: 'key-list' });
  const refresh = async () => {
    try {
      const { keys } = await api('admin/keys');
      clear(listing, keys.length
        ? table([
          ['Name', (k) => h('code', {}, k.name)], ['Scopes', (k) => k.scopes.join(', ') || '—'], ['Allowed tools', (k) => k.allowed_tools.join(', ') || 'all'],
          ['Expires', (k) => time(k.expires_at)], ['Last used', (k) => time(k.last_used_at)], ['Created', (k) => time(k.created_at)],
          ['', (k) => h('button', { type: 'button', class: 'danger', 'data-revoke': k.name, 'aria-label': `Revoke ${k.name}`, onclick: () => revoke(k.name) }, 'Revoke')],
        ], keys)
        : empty('No database keys. Static keys from the configuration are not listed.'));
    } catch (error) {
      clear(listing, failure(error));
    }
  };
  const revoke = async (name) => {
    if (!(await confirmDialog(`Revoke the key ${name}? Calls with it fail from now on, and its console sessions end.`, 'Revoke'))) return;
    try {
      await api(`admin/keys/${encodeURIComponent(name)}`, { method: 'DELETE' });
      clear(minted, h('p', { role: 'status' }, `Key ${name} revoked.`));
    } catch (error) {
      clear(minted, failure(error));
    }
    await refresh();
  };

  const inputs = {
    name: h('input', { type: 'text', name: 'name', required: true, pattern: '[A-Za-z0-9._\\-]{1,64}', autocomplete: 'off' }),
    description: h('input', { type: 'text', name: 'description', maxlength: 1024 }),
    scopes: h('input', { type: 'text', name: 'scopes', placeholder: 'audit admin' }),
    tools: h('input', { type: 'text', name: 'allowed_tools', placeholder: 'echo time__*' }),
    expires: h('input', { type: 'datetime-local', name: 'expires_at' }),
  };
  const words = (text) => text.split(/[\s,]+/).filter(Boolean);
  const form = h('form', { class: 'panel', 'aria-label': 'Mint a key', onsubmit: async (event) => {
    event.preventDefault();
    const body = { name: inputs.name.value.trim(), scopes: words(inputs.scopes.value), allowed_tools: words(inputs.tools.value) };
    if (inputs.description.value.trim()) body.description = inputs.description.value.trim();
    if (inputs.expires.value) body.expires_at = new Date(inputs.expires.value).toISOString();
    try {
      const answer = await api('admin/keys', { method: 'POST', body });
      const secret = h('code', { id: 'minted-plaintext' }, answer.plaintext);
      const copied = h('span', { role: 'status' });
      clear(minted, h('div', { class: 'panel secret' },
        h('p', {}, h('strong', {}, `Key ${answer.key.name} minted. `), 'Copy it now: it is shown only once and cannot be recovered.'),
        secret,
        h('div', { class: 'actions' },
          h('button', { type: 'button', id: 'copy-key', onclick: async () => {
            try { await navigator.clipboard.writeText(answer.plaintext); copied.textContent = 'Copied.'; } catch {
              getSelection().selectAllChildren(secret);
              copied.textContent = 'Selected: press Ctrl+C to copy.';
            }
          } }, 'Copy'),
          h('button', { type: 'button', class: 'secondary', id: 'hide-key', onclick: () => clear(minted) }, 'Done'), copied)));
      form.reset();
      await refresh();
    } catch (error) {
      clear(minted, failure(error));
    }
  } },
  h('h2', {}, 'Mint a key'),
  h('div', { class: 'grid' }, field('Name', inputs.name), field('Description', inputs.description),
    field('Scopes', inputs.scopes, 'Space-separated: admin, audit, or none.'), field('Allowed tools', inputs.tools, 'Space-separated globs; empty allows every tool.'),
    field('Expires', inputs.expires, 'Optional; in your time zone.')),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Mint')));
  clear(main, h('h1', {}, 'Keys'), form, minted, section('Active keys', listing));
  await refresh();
}
