import type { RequestedVisitInput, VisitInput } from '../workflows/visit-contract';
import { resolvePolicy, type PolicyOverrides, type VisitPolicy } from '../workflows/visit-policy';

const MIN = 60_000;

/**
 * The bench's visits: low risk (a 4 h check-in interval, so the ETA is the deadline), with
 * overrides the limits allow: a short grace so runs are short, the reminder as long before
 * the deadline as the grace is after it, and the ladder's longest allowed waits so each
 * visit sends exactly one escalation within the run.
 */
export function benchPolicy(graceMs: number): VisitPolicy {
  const overrides: PolicyOverrides = {
    graceMs,
    reminderBeforeMs: graceMs,
    ladder: [
      { notify: 'worker', waitMs: 20 * MIN, repeats: 1 },
      { notify: 'buddy', waitMs: 20 * MIN, repeats: 1 },
      { notify: 'manager', waitMs: 20 * MIN, repeats: 1 },
    ],
  };
  const { policy, problems } = resolvePolicy('low', overrides);
  if (problems.length) throw new Error(`bench policy refused by the visit policy limits: ${JSON.stringify(problems)}`);
  return policy;
}

/** A bench visit: every contact has an address of its own, so each alert is traced to its visit. */
export function benchVisit(visitId: string, etaMs: number, policy: VisitPolicy, worker?: VisitInput['worker']): RequestedVisitInput {
  const person = (role: string) => ({ id: `${role}-${visitId}`, name: `Bench ${role}`, email: `${role}-${visitId}@bench.example` });
  const walker = worker ?? person('worker');
  return {
    visitId,
    team: 'bench',
    kind: 'home',
    riskLevel: 'low',
    clientRef: `C-${visitId.slice(0, 8)}`,
    location: '1 Bench Street, Leeds LS1 1AA',
    worker: walker,
    buddy: person('buddy'),
    manager: person('manager'),
    emergencyContact: { name: 'On-call desk', email: `oncall-${visitId}@bench.example` },
    eta: new Date(etaMs).toISOString(),
    policy,
    startedBy: { id: walker.id, role: 'worker' },
    requestedAt: new Date().toISOString(),
  };
}
