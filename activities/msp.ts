import type { Db } from '../lib/db';
import type { MspActivities } from './contract';

/** Activities that keep the records of the Making Safeguarding Personal rules (issue 9). */
export function createMspActivities({ db }: { db: Db }): MspActivities {
  return {
    async recordDeclinedSupportChange(change) {
      const { state } = change;
      const row = {
        team: state.team,
        leadPractitionerId: state.leadPractitioner.id,
        status: state.status,
        ...state.refusal,
        followUpEveryDays: state.policy.followUpEveryDays,
        followUpCount: state.policy.followUpCount,
        followUpsSent: state.followUpsSent,
        nextFollowUpAt: state.nextFollowUpAt ? new Date(state.nextFollowUpAt) : null,
        convertedPlanId: state.conversion?.planId ?? null,
        conversionReason: state.conversion?.reason ?? null,
        closedRationale: state.closure?.rationale ?? null,
        createdById: state.createdBy.actorId,
        createdAt: new Date(state.createdAt),
      };
      await db.$transaction(async (tx) => {
        if (await tx.declinedSupportEvent.findUnique({ where: { key: change.key } })) return;
        await tx.declinedSupport.upsert({ where: { id: state.caseId }, create: { id: state.caseId, ...row }, update: row });
        await tx.declinedSupportEvent.create({
          data: {
            key: change.key,
            caseId: state.caseId,
            type: change.type,
            summary: change.summary,
            outcome: change.outcome ?? null,
            note: change.note ?? null,
            actorId: change.by?.actorId ?? null,
            at: new Date(change.at),
          },
        });
      });
    },

    async recordDisagreementChange({ input, state }) {
      const row = {
        planId: input.planId,
        team: input.team,
        raisedById: input.raisedBy.actorId,
        raisedByRole: input.raisedBy.actorRole,
        decisionRef: input.decisionRef,
        what: input.what,
        why: input.why,
        evidence: input.evidence,
        raisedAt: new Date(state.raisedAt),
        responseDueDate: state.responseDueDate,
        status: state.status,
        escalations: state.escalations,
        finalDecision: state.response?.finalDecision ?? null,
        rationale: state.response?.rationale ?? null,
        decidedById: state.response?.by.actorId ?? null,
        onBehalfOfId: state.response?.by.onBehalfOf ?? null,
        decidedAt: state.response ? new Date(state.response.at) : null,
      };
      await db.$transaction(async (tx) => {
        // A reminder's record may land after the response's: it must not undo the decision.
        const existing = await tx.planDisagreement.findUnique({ where: { id: input.disagreementId }, select: { status: true } });
        if (existing?.status === 'decided' && state.status !== 'decided') return;
        await tx.planDisagreement.upsert({ where: { id: input.disagreementId }, create: { id: input.disagreementId, ...row }, update: row });
      });
    },
  };
}
