// Small DOM helpers shared by the worker page and the dashboard.
import { ApiError, onSignedOut, session, signIn, signOut } from './api.js';

/** Builds an element: h('p', { class: 'x' }, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export const $ = (id) => document.getElementById(id);

const clocks = new Map();
/**
 * "19:45 BST": the signed-in person's team clock with the zone named, whatever the phone or
 * desk computer is set to, so a time read out on the phone means the same to everyone.
 */
export function clock(iso, timeZone = session()?.user?.timeZone ?? 'Europe/London') {
  if (!clocks.has(timeZone)) clocks.set(timeZone, new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }));
  return clocks.get(timeZone).format(new Date(iso));
}

/** "12:05" or "1:02:05" until `iso`; negative as "-3:10" once it has passed. */
export function countdown(iso, now = Date.now()) {
  const ms = Date.parse(iso) - now;
  const total = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(hours ? 2 : 1, '0');
  const ss = String(total % 60).padStart(2, '0');
  return `${ms < 0 ? '-' : ''}${hours ? `${hours}:` : ''}${mm}:${ss}`;
}

/**
 * Runs a request for the person and says how it went in `notices`: a failure stays on screen
 * with a Retry button until it goes through or is dismissed, so nothing is silently lost.
 */
export async function attempt(label, request, { notices = $('notices'), buttons = [], quiet = false } = {}) {
  for (const b of buttons) b.disabled = true;
  const notice = h('div', { class: 'notice', role: 'alert' });
  try {
    const result = await request();
    if (quiet) return result;
    notice.className = 'notice done';
    notice.setAttribute('role', 'status');
    notice.append(h('p', {}, `${label}: done at ${clock(new Date().toISOString())}.`));
    notices.replaceChildren(notice);
    // Success needs no lingering: it fades after a while, a failure stays.
    setTimeout(() => notice.remove(), 15_000);
    return result;
  } catch (err) {
    const message = err instanceof ApiError ? err.message : String(err);
    const again = err instanceof ApiError && (err.status === 0 || err.status >= 500 || err.status === 429);
    notice.append(
      h('p', {}, h('strong', {}, `${label} failed. `), message, again ? ' Check your signal and try again.' : ''),
      h(
        'div',
        { class: 'row' },
        // A refusal (4xx) would be refused again: the person changes something instead.
        again
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn btn-primary',
                onclick: () => {
                  notice.remove();
                  void attempt(label, request, { notices, buttons, quiet });
                },
              },
              `Retry: ${label}`,
            )
          : null,
        h('button', { type: 'button', class: 'btn', onclick: () => notice.remove() }, 'Dismiss'),
      ),
    );
    notices.replaceChildren(notice);
    if (again) notice.querySelector('button')?.focus();
    return undefined;
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** Marks the inputs the API named as wrong, so a screen reader hears which field to fix. */
export function markInvalid(form, fields) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const field of fields ?? []) form.querySelector(`[name="${CSS.escape(field)}"]`)?.setAttribute('aria-invalid', 'true');
}

/**
 * The sign-in form (#signin) and the signed-in bar (#who, #signout): `onChange(user)` runs
 * with the user after signing in, and with null after signing out or when the token expires.
 */
export function bindSession(onChange) {
  $('signin').replaceChildren(
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h(
      'form',
      { id: 'signin-form' },
      h('label', { for: 'signin-email' }, 'Email'),
      h('input', { id: 'signin-email', name: 'email', type: 'email', autocomplete: 'username', required: true }),
      h('label', { for: 'signin-password' }, 'Password'),
      h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary btn-big' }, 'Sign in')),
    ),
    h('div', { id: 'signin-notices' }),
  );
  const form = $('signin-form');
  const show = () => {
    const s = session();
    $('signin').hidden = !!s;
    $('signed-in').hidden = !s;
    $('who').textContent = s ? `${s.user.name} (${s.user.role})` : '';
    onChange(s?.user ?? null);
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const ok = await attempt('Sign in', () => signIn(String(data.get('email')), String(data.get('password'))), {
      notices: $('signin-notices'),
      buttons: [form.querySelector('button')],
    });
    if (ok) {
      form.reset();
      show();
    }
  });
  $('signout').addEventListener('click', async () => {
    await signOut();
  });
  onSignedOut(show);
  show();
}
