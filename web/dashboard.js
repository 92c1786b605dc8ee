// The manager's live view: what needs someone now on top, then what is open, then plans.
import { api } from './api.js';
import { $, attempt, bindSession, clock, countdown, h, markInvalid } from './ui.js';

const POLL_MS = 5_000;
const ATTENTION = ['escalating', 'incident', 'overdue'];
const RANK = { escalating: 0, incident: 1, overdue: 2 };
/** The manager's plan lists (GET /plan-lists/{list}), most pressing first. */
const PLAN_LISTS = {
  'overdue-reviews': 'Plan reviews overdue',
  'reviews-due-this-week': 'Plan reviews due this week',
  'unscheduled-awaiting-decision': 'Unscheduled review requests awaiting decision',
  'restrictive-measures': 'Restrictive measures due for review',
};
const STATUS_WORDS = { scheduled: 'Scheduled', open: 'Open', overdue: 'Overdue', escalating: 'Escalating', incident: 'Incident open', closed: 'Closed' };

let poller;
let resolving = null;
let resolvingTitle = '';
/** Last rendered content per list: unchanged lists are left alone so focus and reading position stay put. */
const rendered = new Map();

function fill(id, items, render, empty) {
  const key = JSON.stringify(items);
  if (rendered.get(id) === key) return;
  rendered.set(id, key);
  $(id).replaceChildren(...(items.length ? items.map(render) : [h('li', { class: 'empty' }, empty)]));
}

const pill = (status) => h('span', { class: `pill ${status}` }, STATUS_WORDS[status] ?? status);
const short = (id) => id.slice(0, 8);
/** The team's clock (from the dashboard's answer), so a deputy's or a visitor's browser shows the same times. */
let zone;
const at = (iso) => clock(iso, zone);
/** Who and where, as the team knows them: the worker's name and the client reference. */
const title = (row) => `${row.workerName} · client ${row.clientRef}`;

function attentionCard({ row, visit }) {
  const owner = visit?.alert?.owner ?? visit?.incident?.owner ?? null;
  const reason = visit?.alert?.reason ?? visit?.incident?.reason;
  const label = `the visit of ${title(row)}`;
  return h(
    'li',
    { class: 'card attention', 'data-visit': row.id },
    // The visit itself is fresher than the list's record of it.
    h('h3', {}, pill(visit?.status ?? row.status), ` ${title(row)}`),
    h(
      'p',
      {},
      reason ? `Reason: ${reason.replace(/-/g, ' ')}. ` : '',
      row.escalationLevel ? `Ladder step ${row.escalationLevel}. ` : '',
      visit?.alert?.alerted?.length ? `Alerted: ${visit.alert.alerted.join(', ')}.` : '',
    ),
    h('p', { 'data-testid': 'owner' }, owner ? `${owner.name} (${owner.role}) has taken charge at ${at(owner.at)}.` : 'Nobody has taken charge yet.'),
    h(
      'div',
      { class: 'row' },
      visit?.alert && !owner
        ? h(
            'button',
            { type: 'button', class: 'btn btn-danger-solid', 'aria-label': `Take charge of ${label}`, onclick: (e) => acknowledge(row.id, e.currentTarget) },
            'Take charge',
          )
        : null,
      visit?.incident ? h('button', { type: 'button', class: 'btn', 'aria-label': `Resolve ${label}`, onclick: () => openResolve(row) }, 'Resolve…') : null,
    ),
  );
}

function openCard(row) {
  return h(
    'li',
    { class: 'card', 'data-visit': row.id },
    h('h3', {}, pill(row.status), ` ${title(row)}`),
    h(
      'p',
      {},
      row.nextDueAt ? `Next deadline ${at(row.nextDueAt)} (in ${countdown(row.nextDueAt)})` : `Starts before ${at(row.eta)}`,
      ` · ends ${at(row.eta)} · ${row.riskLevel} risk`,
    ),
  );
}

const planCards = {
  'overdue-reviews': (p) =>
    h('li', { class: 'card attention' }, h('h3', {}, `Plan ${short(p.id)}`), h('p', {}, `Review was due ${p.nextReviewDate}; lead ${p.leadPractitionerId}`)),
  'reviews-due-this-week': (p) => h('li', { class: 'card' }, h('h3', {}, `Plan ${short(p.id)}`), h('p', {}, `Review due ${p.nextReviewDate}; lead ${p.leadPractitionerId}`)),
  'unscheduled-awaiting-decision': (r) =>
    h(
      'li',
      { class: 'card' },
      h('h3', {}, `Plan ${short(r.planId)}`),
      h('p', {}, `Decide by ${String(r.decisionDueDate).slice(0, 10)}${r.onBehalfOfAdult ? ' · asked on behalf of the adult' : ''}`),
    ),
  'restrictive-measures': (m) =>
    h(
      'li',
      { class: 'card' },
      h('h3', {}, `Plan ${short(m.planId)}: ${m.type.replace(/_/g, ' ')}`),
      h('p', {}, `Review by ${m.reviewDate ?? 'no date set'}${m.legalAdviceRef ? '' : ' · no legal advice recorded'}`),
    ),
};

async function refresh() {
  const { visits, timeZone } = await api('GET', '/dashboard/visits?limit=200');
  zone = timeZone;
  const attention = visits.filter((v) => ATTENTION.includes(v.status)).sort((a, b) => RANK[a.status] - RANK[b.status] || b.escalationLevel - a.escalationLevel);
  // Who has taken charge is in the visit itself: read it for the few visits that need attention.
  const detailed = await Promise.all(attention.map(async (row) => ({ row, visit: (await api('GET', `/visits/${row.id}`).catch(() => null))?.visit ?? null })));
  fill('attention', detailed, attentionCard, 'Nothing needs attention.');
  const open = visits.filter((v) => v.status === 'open' || v.status === 'scheduled').sort((a, b) => String(a.nextDueAt ?? a.eta).localeCompare(String(b.nextDueAt ?? b.eta)));
  rendered.delete('open'); // countdowns move every refresh
  fill('open', open, openCard, 'No open visits.');
  const names = Object.keys(PLAN_LISTS);
  const lists = await Promise.all(names.map((list) => api('GET', `/plan-lists/${list}`).then((r) => r.items)));
  names.forEach((list, i) => fill(list, lists[i], planCards[list], 'None.'));
  $('freshness').textContent = `Updated at ${at(new Date())}; refreshes every ${POLL_MS / 1000} seconds.`;
}

async function acknowledge(visitId, button) {
  await attempt('Take charge', () => api('POST', `/visits/${visitId}/acknowledge`), { buttons: [button] });
  await refresh().catch(() => undefined);
}

function openResolve(row) {
  resolving = row.id;
  resolvingTitle = title(row);
  $('resolve-form').reset();
  $('resolve-notices').replaceChildren();
  $('resolve-dialog').showModal();
}

function bindResolve() {
  const form = $('resolve-form');
  $('resolve-cancel').addEventListener('click', () => $('resolve-dialog').close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { outcome: data.get('outcome'), rationale: String(data.get('rationale')).trim(), reviewRiskAssessment: data.get('reviewRiskAssessment') === 'on' };
    const done = await attempt(
      'Resolve',
      () =>
        api('POST', `/visits/${resolving}/resolve`, body).catch((err) => {
          markInvalid(form, err.details);
          throw err;
        }),
      { notices: $('resolve-notices'), buttons: [$('resolve-submit')] },
    );
    if (!done) return;
    $('resolve-dialog').close();
    $('notices').replaceChildren(h('div', { class: 'notice done', role: 'status' }, h('p', {}, `Incident on the visit of ${resolvingTitle} resolved.`)));
    await refresh().catch(() => undefined);
  });
}

/** Keeps polling through failures, and says when the view is stale instead of showing old data as new. */
async function tick() {
  try {
    await refresh();
  } catch (err) {
    $('freshness').textContent = `Could not update (${err.message}); trying again in ${POLL_MS / 1000} seconds.`;
  }
}

$('plans').replaceChildren(
  ...Object.entries(PLAN_LISTS).map(([list, title]) =>
    h('section', { 'aria-labelledby': `${list}-title` }, h('h2', { id: `${list}-title` }, title), h('ul', { id: list, class: 'cards' })),
  ),
);
bindResolve();
bindSession((user) => {
  clearInterval(poller);
  rendered.clear();
  $('app').hidden = !user;
  if (!user) return;
  void tick();
  poller = setInterval(() => void tick(), POLL_MS);
});
