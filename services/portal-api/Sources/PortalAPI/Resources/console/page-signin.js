// Sign in: an API key traded for the session cookie, or OIDC login.
import { signIn } from './api.js';
import { h, clear } from './ui.js';

function safeNext(params) {
  const next = params.get('next') || '/portal/';
  return next.startsWith('/portal/') && !next.startsWith('/portal/signin') ? next : '/portal/';
}

/** The page says which logins portal-api offers (`<meta name="tollgate-login">`). */
function oidcConfigured() {
  const meta = document.querySelector('meta[name="tollgate-login"]');
  return Boolean(meta && meta.content.split(' ').includes('oidc'));
}

export async function render(main, { params, navigate, signedIn }) {
  const input = h('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const message = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'panel signin', 'aria-label': 'Sign in with an API key', onsubmit: async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.textContent = '';
    try {
      const identity = await signIn(input.value);
      input.value = '';
      signedIn(identity);
      navigate(safeNext(params), { replace: true });
    } catch (error) {
      message.textContent = error.status === 401 ? 'That API key was refused.' : error.message;
      button.disabled = false;
      input.focus();
    }
  } },
  h('h1', {}, 'Sign in to the Tollgate console'),
  h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input,
    h('small', { class: 'muted' }, 'The key is exchanged for a session cookie; the browser does not keep it.')),
  message,
  h('div', { class: 'actions' }, button),
  oidcConfigured()
    ? h('p', { class: 'muted' }, 'Or ', h('a', { id: 'oidc-login', href: `/portal/auth/login?return_to=${encodeURIComponent(safeNext(params))}` }, 'sign in with your identity provider (OIDC)'), '.')
    : null);
  clear(main, form);
  input.focus();
}
