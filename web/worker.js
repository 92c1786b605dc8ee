// The worker's phone: start a visit in a few taps, then one big "I'm OK" until check-out.
import { api } from './api.js';
import { $, attempt, bindSession, clock, countdown, h, markInvalid } from './ui.js';

const CONTACTS_KEY = 'carewatch.contacts';
const CURRENT_KEY = 'carewatch.currentVisit';
/** Visits started on this phone with a duress code: their check-out always asks for a code. */
const CODED_KEY = 'carewatch.codedVisits';
const POLL_MS = 10_000;
const MIN = 60_000;

const stored = (key, fallback) => {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') ?? fallback;
  } catch {
    return fallback;
  }
};
const store = (key, value) => localStorage.setItem(key, JSON.stringify(value));

let user = null;
let visit = null;
let poller;

const today = (iso) => new Date(iso).toDateString() === new Date().toDateString();
const STATUS_WORDS = { scheduled: 'Scheduled', open: 'Open', overdue: 'Overdue', escalating: 'Escalating', incident: 'Incident open', closed: 'Closed' };

async function loadToday() {
  const { visits } = await api('GET', '/visits?limit=50');
  const mine = visits.filter((v) => today(v.eta) || v.status !== 'closed');
  const list = $('today-list');
  list.replaceChildren(
    ...(mine.length
      ? mine.map((v) =>
          h(
            'li',
            { class: 'card' },
            h('p', {}, h('span', { class: `pill ${v.status}` }, STATUS_WORDS[v.status] ?? v.status), ` until ${clock(v.eta)}`),
            v.id !== visit?.visitId
              ? h('button', { type: 'button', class: 'btn', onclick: () => openVisit(v.id), 'aria-label': `Open the visit ending ${clock(v.eta)}` }, 'Open')
              : null,
          ),
        )
      : [h('li', { class: 'empty' }, 'No visits today yet.')]),
  );
  return visits;
}

async function openVisit(visitId) {
  store(CURRENT_KEY, visitId);
  await refreshVisit();
  $('visit-title').focus();
}

async function refreshVisit() {
  const visitId = stored(CURRENT_KEY, null);
  if (!visitId) {
    visit = null;
  } else {
    try {
      visit = (await api('GET', `/visits/${visitId}`)).visit;
    } catch (err) {
      if (err.status === 404 || err.status === 403) localStorage.removeItem(CURRENT_KEY);
      throw err;
    }
  }
  render();
}

/** What the worker must know first: escalation, then what is due next. */
function describe(v) {
  const owner = v.alert?.owner ?? v.incident?.owner;
  const taken = owner ? ` ${owner.name} (${owner.role}) has taken charge.` : '';
  switch (v.status) {
    case 'escalating':
      if (v.alert.reason === 'red-flag') return { tone: 'danger', headline: 'Red flag raised: your buddy and your manager are being alerted.', detail: taken.trim() };
      if (v.alert.alerted.every((r) => r === 'worker')) return { tone: 'danger', headline: 'Check-in missed.', detail: "Tap I'm OK now, or your buddy will be alerted." };
      return {
        tone: 'danger',
        headline: `Escalation started: ${v.alert.alerted.filter((r) => r !== 'worker').join(' and ') || 'you'} alerted.`,
        detail: `If you are safe, tap I'm OK now.${taken}`,
      };
    case 'incident':
      // The worker was heard from after the alert (or it is a red flag being handled): the manager closes it.
      return v.alert && v.alert.reason === 'red-flag'
        ? { tone: 'danger', headline: 'Red flag raised: help is being arranged.', detail: taken }
        : { tone: 'warn', headline: 'You are in touch: the alert has stood down.', detail: `${taken} Your manager will close the incident.`.trim() };
    case 'overdue':
      return { tone: 'warn', headline: 'Your check-in is overdue.', detail: "Tap I'm OK now, or your buddy will be alerted." };
    case 'scheduled':
      return { tone: '', headline: 'Scheduled: check in when you arrive.', detail: `Ends at ${clock(v.eta)}.` };
    case 'closed':
      return { tone: 'ok', headline: 'Visit closed.', detail: v.closedAt ? `Checked out at ${clock(v.closedAt)}.` : '' };
    default:
      return { tone: 'ok', headline: 'You are being watched.', detail: `Visit ends at ${clock(v.eta)}.` };
  }
}

function renderCountdown() {
  const el = $('countdown');
  if (!visit?.nextDueAt || visit.phase !== 'in-progress') {
    el.textContent = '';
    return;
  }
  const due = visit.nextDueAt === visit.eta ? 'check-out' : 'check-in';
  const left = countdown(visit.nextDueAt);
  const past = left.startsWith('-');
  el.replaceChildren(past ? left.slice(1) : left, past ? h('span', { class: 'countdown-note' }, ' overdue') : '');
  el.setAttribute('title', `${due} due at ${clock(visit.nextDueAt)}`);
}

function render() {
  const signedIn = !!user;
  $('app').hidden = !signedIn;
  if (!signedIn) return;
  const active = visit && !(visit.phase === 'ended' && !visit.incident);
  $('visit').hidden = !visit;
  $('start').hidden = !!active;
  $('new-visit').hidden = !!active;
  if (!visit) return;
  const { tone, headline, detail } = describe(visit);
  const banner = $('visit-state');
  banner.className = `banner ${tone}`;
  // An escalation interrupts: a screen reader announces it at once.
  banner.setAttribute('role', tone === 'danger' ? 'alert' : 'status');
  $('visit-headline').textContent = headline;
  renderCountdown();
  const kind = visit.nextDueAt === visit.eta ? 'check-out' : 'check-in';
  const wasDue = Date.parse(visit.nextDueAt) <= Date.now();
  const due = visit.phase === 'in-progress' && visit.nextDueAt ? ` ${wasDue ? `Your ${kind} was due at` : `Next ${kind} due at`} ${clock(visit.nextDueAt)}.` : '';
  $('visit-detail').textContent = `${detail}${due}`;
  $('visit-actions').hidden = visit.phase === 'ended';
  $('ok').textContent = visit.phase === 'scheduled' ? "I've arrived" : "I'm OK";
  const coded = stored(CODED_KEY, []).includes(visit.visitId);
  const code = $('checkout-code');
  code.required = coded;
  code.closest('form').querySelector('label').hidden = !coded;
  code.hidden = !coded;
}

async function refreshAll() {
  await Promise.all([loadToday(), refreshVisit()]);
}

/** The worker picks the buddy (and may name a manager of the team); everyone else the directory decides. */
function contactsFrom(data) {
  const value = (field) => String(data.get(field) ?? '').trim();
  const managerId = value('manager.id');
  return { buddy: { name: value('buddy.name'), email: value('buddy.email') }, ...(managerId ? { manager: { id: managerId } } : {}) };
}

function fillContacts() {
  const contacts = stored(CONTACTS_KEY, null);
  if (!contacts) {
    $('contacts').open = true;
    return;
  }
  const form = $('start-form');
  for (const [prefix, contact] of Object.entries(contacts)) {
    for (const [field, value] of Object.entries(contact)) {
      const input = form.elements.namedItem(`${prefix}.${field}`);
      if (input) input.value = value;
    }
  }
}

/** The same visit id on every retry: a start that reached the server is not made twice. */
let pendingStart = null;

async function startVisit(event) {
  event.preventDefault();
  const form = $('start-form');
  const data = new FormData(form);
  const contacts = contactsFrom(data);
  const missing = [...form.querySelectorAll('[required]')].filter((el) => !el.value.trim()).map((el) => el.name);
  if (missing.length) {
    markInvalid(form, missing);
    if (missing.some((m) => m.includes('.'))) $('contacts').open = true;
    form.querySelector('[aria-invalid="true"]')?.focus();
    $('notices').replaceChildren(
      h(
        'div',
        { class: 'notice', role: 'alert' },
        h('p', {}, `Please fill in: ${missing.map((m) => form.querySelector(`[name="${m}"]`)?.labels?.[0]?.textContent?.trim() ?? m).join(', ')}.`),
      ),
    );
    return;
  }
  const duressCode = String(data.get('duressCode') ?? '').trim();
  const body = {
    visitId: pendingStart?.visitId ?? crypto.randomUUID(),
    kind: data.get('kind'),
    riskLevel: data.get('riskLevel'),
    clientRef: String(data.get('clientRef')).trim(),
    location: String(data.get('location')).trim(),
    eta: new Date(Date.now() + Number(data.get('duration')) * MIN).toISOString(),
    ...contacts,
    ...(duressCode ? { duressCode } : {}),
    secondPersonPresent: data.get('secondPersonPresent') === 'on',
  };
  pendingStart = body;
  const started = await attempt(
    'Start visit',
    () =>
      api('POST', '/visits', pendingStart).catch((err) => {
        // A retry of a start that did reach the server: the visit exists, carry on with it.
        if (err.status === 409 && pendingStart) return { visitId: pendingStart.visitId };
        if (err.details) markInvalid(form, err.details);
        throw err;
      }),
    { buttons: [$('start-visit')] },
  );
  if (!started) return;
  // The directory chose the manager and the on-call contact: the worker sees whom they are.
  if (started.alerts) {
    const { buddy, manager, emergency } = started.alerts;
    $('notices').replaceChildren(
      h(
        'div',
        { class: 'notice done', role: 'status', 'data-testid': 'alerts' },
        h('p', {}, `Visit started. Alerts go to ${buddy} (your buddy), ${manager} (your manager) and ${emergency} (on call).`),
      ),
    );
  }
  store(CONTACTS_KEY, contacts);
  if (duressCode) store(CODED_KEY, [...stored(CODED_KEY, []), started.visitId].slice(-20));
  pendingStart = null;
  form.reset();
  fillContacts();
  await openVisit(started.visitId);
}

/** The visit as recorded once the service has acted on what was just sent (it usually has within a second). */
async function refreshSoon() {
  await new Promise((r) => setTimeout(r, 300));
  await refreshVisit().catch(() => undefined);
  setTimeout(() => void refreshVisit().catch(() => undefined), 1500);
}

/** One of the worker's actions on the current visit; the answer is the visit's new state, or that it was accepted. */
async function act(label, path, body, button) {
  const visitId = visit.visitId;
  const next = await attempt(label, () => api('POST', `/visits/${visitId}/${path}`, body), { buttons: [button] });
  if (next) {
    // Check-ins and alarms are kept at once and acted on a moment later: show the visit as recorded then.
    if (next.accepted) await refreshSoon();
    else {
      visit = next;
      render();
    }
    void loadToday().catch(() => undefined);
  }
  return next;
}

function bindActions() {
  $('start-form').addEventListener('submit', startVisit);
  $('ok').addEventListener('click', (e) => act(visit.phase === 'scheduled' ? 'Arrival' : "I'm OK", 'check-in', {}, e.currentTarget));
  for (const id of ['late-15', 'late-30']) {
    $(id).addEventListener('click', (e) => {
      const minutes = Number(e.currentTarget.dataset.minutes);
      const eta = new Date(Date.parse(visit.eta) + minutes * MIN).toISOString();
      void act(`Running late (+${minutes} min)`, 'extend', { eta, reason: `Running late: ${minutes} more minutes` }, e.currentTarget);
    });
  }
  $('checkout-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = $('checkout-code').value.trim();
    // A duress code goes exactly the same way as any other code, and the screen reacts the same.
    const done = await act('Check out', 'check-out', code ? { code } : {}, $('checkout'));
    if (done) $('checkout-code').value = '';
  });
  const dialog = $('red-flag-dialog');
  $('red-flag').addEventListener('click', () => dialog.showModal());
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'raise') return;
    const reason = $('red-flag-reason').value.trim();
    $('red-flag-reason').value = '';
    void act('Red flag', 'red-flag', reason ? { reason } : {}, $('red-flag'));
  });
  $('new-visit').addEventListener('click', () => {
    localStorage.removeItem(CURRENT_KEY);
    visit = null;
    render();
    $('clientRef').focus();
  });
}

bindActions();
fillContacts();
$('visit-title').tabIndex = -1;
setInterval(() => visit && renderCountdown(), 1000);
bindSession((signedIn) => {
  user = signedIn;
  clearInterval(poller);
  render();
  if (!user) return;
  void attempt('Loading your visits', refreshAll, { quiet: true });
  // Quietly keep up to date; a failure shows only if it persists to the next action.
  poller = setInterval(() => void refreshAll().catch(() => undefined), POLL_MS);
});
