import type { Request, Response } from 'express';

// The Temporal Web UI decodes payloads by calling /codec from the operator's browser: it can
// send cookies ("include cross-origin credentials") but has no CareWatch token to send. So an
// operator's or admin's sign-in also puts their session token in a cookie sent to /codec alone:
// HttpOnly (no page script reads it), SameSite=Strict (the UI on localhost:8233 and the API on
// localhost:3000 are the same site), accepted by the API on /codec only.
const NAME = 'carewatch_codec';
const PATH = '/codec';

const options = (req: Request) => ({ path: PATH, httpOnly: true, sameSite: 'strict' as const, secure: req.secure });

export function setCodecCookie(req: Request, res: Response, token: string, expiresAt: Date): void {
  res.cookie(NAME, token, { ...options(req), expires: expiresAt });
}

export function clearCodecCookie(req: Request, res: Response): void {
  res.clearCookie(NAME, options(req));
}

/** The token of the codec cookie, on the codec endpoints only. */
export function codecCookieToken(req: Request): string | undefined {
  if (!req.path.startsWith(`${PATH}/`)) return undefined;
  const pair = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${NAME}=`));
  return pair ? decodeURIComponent(pair.slice(NAME.length + 1)) : undefined;
}
