/** How a new case gets its complete policy: `defaults`, with what the caller set over them. */
export const resolvingWith =
  <P extends object>(defaults: Readonly<P>) =>
  (overrides: Partial<P> = {}): P => ({ ...defaults, ...overrides });
