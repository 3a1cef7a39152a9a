// The portal API as the console calls it: same origin, the session cookie, and the CSRF
// header on every request (the API requires it on changes made with a cookie).

/** An answer other than 2xx, with the API's `{"error": ...}` message. */
export class APIError extends Error {
  constructor(status, message, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

const headers = { 'X-Requested-With': 'tollgate-console', Accept: 'application/json' };

async function request(url, { method = 'GET', body, signal } = {}) {
  const init = { method, headers: { ...headers }, credentials: 'same-origin', signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new APIError(0, 'The portal API cannot be reached. Check that portal-api is running.');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && typeof data.error === 'string' && data.error) || `The API answered HTTP ${response.status}.`;
    throw new APIError(response.status, message, response.headers.get('Retry-After'));
  }
  return data;
}

/** `path` is relative to /api/v1/. */
export function api(path, options) {
  return request(`/api/v1/${path}`, options);
}

/** Trades an API key for the session cookie; the key is not kept anywhere in the browser. */
export function signIn(key) {
  return request('/portal/auth/key', { method: 'POST', body: { key } });
}

export function signOut() {
  return request('/portal/auth/logout', { method: 'POST' });
}

/** A query string from pairs, leaving out empty values. */
export function query(pairs) {
  const search = new URLSearchParams();
  for (const [key, value] of pairs) if (value !== undefined && value !== null && value !== '') search.append(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}
