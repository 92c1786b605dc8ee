import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { DEFAULT_TIME_ZONE, localTime } from '../../lib/time-zone';

/** Where the pages live: HTML fragments, CSS and ES modules, served as they are (no build step, no CDN). */
const WEB_DIR = path.resolve(__dirname, '../../web');

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A page in the pages' frame. With a script, it is one of the signed-in apps (its header
 * shows who is signed in); without, a server-rendered page that works with no script at
 * all, so an email link opens on any phone.
 */
export function htmlPage(title: string, body: string, app?: { script: string; heading: string }): string {
  const who = app ? '<span id="signed-in" hidden><span id="who" class="who"></span> <button id="signout" type="button" class="btn">Sign out</button></span>' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · CareWatch</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/app.css">
${app ? `<script type="module" src="/app/${app.script}"></script>\n` : ''}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="bar"><span class="brand">${escapeHtml(app?.heading ?? 'CareWatch')}</span>${who}</header>
<main id="main" class="page${app?.script === 'dashboard.js' ? ' wide' : ''}">
${body}
</main>
</body>
</html>`;
}

/** The two apps: the worker's phone page and the manager's dashboard. */
const APPS = {
  '/app/': { title: 'My visits', fragment: 'worker.body.html', script: 'worker.js', heading: 'CareWatch' },
  '/app/dashboard': { title: 'Dashboard', fragment: 'dashboard.body.html', script: 'dashboard.js', heading: 'CareWatch · Dashboard' },
};

/** The worker's phone page at /app/, the manager's dashboard at /app/dashboard. */
export function pageRoutes(): Router {
  const router = Router();
  router.get('/', (_req, res) => res.redirect(302, '/app/'));
  for (const [route, page] of Object.entries(APPS)) {
    // Read once: the fragments ship with the release.
    const html = htmlPage(page.title, readFileSync(path.join(WEB_DIR, page.fragment), 'utf8'), page);
    router.get(route, (_req, res) => {
      res.set('Cache-Control', 'no-cache').type('html').send(html);
    });
  }
  // `no-cache` revalidates: a phone never runs stale code against a newer API.
  router.use('/app', express.static(WEB_DIR, { index: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  return router;
}

export interface AckOwner {
  name: string;
  role: string;
  at: string;
}

/** When they took charge, on the team's clock (`timeZone`) with the zone named. */
const ownerLine = (owner: AckOwner, timeZone: string) =>
  `<p class="owner" data-testid="owner"><strong>${escapeHtml(owner.name)}</strong> (${escapeHtml(owner.role)}) took charge at <time datetime="${escapeHtml(owner.at)}">${escapeHtml(
    localTime(owner.at, timeZone),
  )}</time>.</p>`;

/** The page behind an acknowledgement link: mail scanners open links, so only the button takes charge. */
export function ackOfferPage(recipient: string, role: string, owner: AckOwner | null, timeZone = DEFAULT_TIME_ZONE): string {
  if (owner) return ackTakenPage(owner, false, timeZone);
  return htmlPage(
    'Take charge of this alert',
    `<h1>Take charge of this alert?</h1>
<p>This link was sent to <strong>${escapeHtml(recipient)}</strong> (${escapeHtml(role)}). Everyone else alerted will be told that you have it, and the alerts stop.</p>
<form method="post">
<button type="submit" class="btn btn-primary btn-big">I am taking charge</button>
</form>`,
  );
}

/** Who has taken charge: the person who just did, or whoever did first. */
export function ackTakenPage(owner: AckOwner, byYou: boolean, timeZone = DEFAULT_TIME_ZONE): string {
  return htmlPage(
    byYou ? 'You have taken charge' : 'Already taken charge',
    `<h1>${byYou ? 'You have taken charge' : 'Someone has already taken charge'}</h1>
${ownerLine(owner, timeZone)}
<p>${byYou ? 'Everyone else alerted has been told. Contact the worker now.' : 'They have it. Contact them before doing anything else.'}</p>
<p><a href="/app/dashboard">Open the dashboard</a></p>`,
  );
}

/** A link that cannot be used (expired, altered, cut short), with what to do instead. */
export function ackRefusedPage(why: string): string {
  return htmlPage('Link not usable', `<h1>This link cannot be used</h1>\n<p>${escapeHtml(why)}.</p>\n<p>If the worker may still need help, call them and your manager now.</p>`);
}

/** The page behind a worker's "I'm OK" link: opening it changes nothing, the button checks in. */
export function imOkOfferPage(recipient: string): string {
  return htmlPage(
    "Check in: I'm OK",
    `<h1>Are you OK, ${escapeHtml(recipient)}?</h1>
<p>Press the button to check in. Your buddy and your manager are alerted only if we do not hear from you.</p>
<form method="post">
<button type="submit" class="btn btn-primary btn-big">I'm OK</button>
</form>`,
  );
}

/** After the "I'm OK" button: the check-in is kept and the visit acts on it at once. */
export function imOkDonePage(): string {
  return htmlPage(
    'Checked in',
    `<h1>Thank you: you are checked in</h1>\n<p>Any alert about you stops. Keep the app open for your next check-in.</p>\n<p><a href="/app/worker">Open the app</a></p>`,
  );
}
