// The pages speak to the same API as every other client, with the signed-in person's token.

const SESSION_KEY = 'carewatch.session';

/** A refused or failed request, with a message fit to show a person. */
export class ApiError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

/** The signed-in person ({ token, expiresAt, user }) or null once the session has expired. */
export function session() {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
    if (s && s.token && (!s.expiresAt || Date.parse(s.expiresAt) > Date.now())) return s;
  } catch {
    // A damaged entry is treated as signed out.
  }
  return null;
}

const signedOutListeners = new Set();
/** Called whenever the API says the token is no longer good (expired or revoked). */
export const onSignedOut = (listener) => signedOutListeners.add(listener);

function endSession() {
  localStorage.removeItem(SESSION_KEY);
  for (const listener of signedOutListeners) listener();
}

export async function api(method, path, body) {
  const s = session();
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (s) headers.authorization = `Bearer ${s.token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'No connection: it was not sent.');
  }
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  if (res.status === 401 && s && !path.startsWith('/auth/login')) endSession();
  const details = data?.error?.details;
  const fields = Array.isArray(details) ? details.map((d) => d.field).filter(Boolean) : [];
  throw new ApiError(res.status, data?.error?.message ?? `The server answered ${res.status}.`, fields);
}

export async function signIn(email, password) {
  const result = await api('POST', '/auth/login', { email, password });
  localStorage.setItem(SESSION_KEY, JSON.stringify(result));
  return result;
}

export async function signOut() {
  // Forget the token here even if the server cannot be told: the phone may be shared.
  await api('POST', '/auth/logout').catch(() => undefined);
  endSession();
}
