/* global fetch, sessionStorage */
// The API client: every call carries the token as `Authorization: Bearer`; an error reply's
// `error.message` becomes the thrown error's message, which the page shows as it is.
const TOKEN_KEY = 'provisiond.token';

/** The token lives in sessionStorage: gone when the tab closes, never sent anywhere but here. */
export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorized = () => {};

/** Called when the API refuses the token, so the app can ask for it again. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** A reply body as JSON, or null (empty, or not JSON: a proxy's error page, say). */
function parseJson(text) {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${session.token() ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the daemon cannot be reached');
  }
  const data = parseJson(await response.text());
  if (!response.ok) {
    const error = data?.error;
    const failure = new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `HTTP ${response.status}`);
    if (response.status === 401) unauthorized(failure);
    throw failure;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
