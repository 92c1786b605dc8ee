import { isRestrictive } from '../domain/plan/measures';
import { appendAudit, SYSTEM } from '../lib/audit';
import type { Db } from '../lib/db';
import type { PlanActivities, PlanChange } from './contract';
import { renderPlanCopy } from './messages/plan-copy';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

function planRow(state: PlanChange['state']) {
  return {
    team: state.team,
    status: state.status,
    leadPractitionerId: state.contacts.leadPractitioner.id,
    managerId: state.contacts.manager.id,
    consentBasis: state.consent.basis,
    limitedToNecessary: state.limitedToNecessaryMeasures,
    nextReviewDate: state.review?.dueDate ?? null,
    reviewNumber: state.review?.number ?? state.lastReview?.number ?? 0,
    oneToOneReviewDate: state.oneToOneReview?.dueDate ?? null,
    content: state.content as object,
    createdAt: new Date(state.createdAt),
    liveAt: state.liveAt ? new Date(state.liveAt) : null,
    endedAt: state.ending ? new Date(state.ending.endedAt) : null,
    endingGround: state.ending?.ground ?? null,
    riskOutcome: state.ending?.risk ?? null,
    outcomesAchieved: state.ending ? (state.ending.outcomes as object[]) : undefined,
  };
}

/** The plan's risks, measures and actions as rows, replaced whole: the content is small and versioned by events. */
async function writeContent(tx: Tx, state: PlanChange['state']): Promise<void> {
  const planId = state.planId;
  const { risks, measures, actions } = state.content;
  await tx.planRisk.deleteMany({ where: { planId } });
  await tx.planMeasure.deleteMany({ where: { planId } });
  await tx.planAction.deleteMany({ where: { planId } });
  await tx.planRisk.createMany({ data: risks.map((r) => ({ planId, id: r.id, description: r.description, likelyImpact: r.likelyImpact })) });
  await tx.planMeasure.createMany({
    data: measures.map((m) => ({
      planId,
      id: m.id,
      kind: m.kind,
      type: m.type,
      restrictive: isRestrictive(m.type),
      description: m.description,
      legalAdviceRef: m.legalAdvice?.reference ?? null,
      oneToOne: m.oneToOne ? (m.oneToOne as object) : undefined,
    })),
  });
  await tx.planAction.createMany({
    data: actions.map((a) => ({
      planId,
      id: a.id,
      description: a.description,
      ownerName: a.owner.name,
      ownerAgency: a.owner.agency ?? null,
      dueDate: a.dueDate,
      completedAt: a.completedAt ? new Date(a.completedAt) : null,
    })),
  });
}

function requestRow(r: NonNullable<PlanChange['request']>) {
  return {
    requestedById: r.requestedBy.actorId,
    onBehalfOfAdult: r.onBehalfOfAdult,
    reasons: r.reasons,
    evidence: r.evidence,
    requestedAt: new Date(r.requestedAt),
    decisionDueDate: r.decisionDueDate,
    status: r.decision ? 'decided' : 'awaiting_decision',
    decision: r.decision?.decision ?? null,
    reviewDate: r.decision?.reviewDate ?? null,
    rationale: r.decision?.rationale ?? null,
    adultViews: r.decision?.adultViews ?? null,
    decidedById: r.decision?.by.actorId ?? null,
    decidedAt: r.decision ? new Date(r.decision.decidedAt) : null,
  };
}

function disclosureRow(change: PlanChange, d: NonNullable<PlanChange['disclosure']>) {
  const { state } = change;
  const recipient = d.request.recipient;
  const forAdult = recipient.kind === 'adult';
  // The adult's preferred format applies to their own copy; others get the standard document.
  const format = forAdult ? state.content.adult.preferredFormat : 'standard';
  const language = forAdult ? state.content.adult.language : undefined;
  return {
    id: d.id,
    planId: change.planId,
    recipientKind: recipient.kind,
    recipientName: recipient.kind === 'adult' ? 'the adult' : recipient.name,
    outcome: d.decision.outcome,
    omittedItemIds: d.decision.omittedItemIds,
    reasons: d.decision.reasons,
    rationale: d.request.manager?.rationale ?? null,
    safeguards: d.request.allegedPerson?.safeguards ?? null,
    format,
    language: language ?? null,
    html:
      d.decision.outcome === 'refused'
        ? null
        : renderPlanCopy({
            planId: change.planId,
            content: state.content,
            nextReviewDate: state.review?.dueDate ?? null,
            forAdult,
            omittedItemIds: d.decision.omittedItemIds,
            format,
            language,
          }),
    decidedById: d.request.by.actorId,
    decidedAt: new Date(change.at),
  };
}

/** Activities that keep the plan's record: every change, decision and disclosure. */
export function createPlanActivities({ db }: { db: Db }): PlanActivities {
  return {
    async recordPlanChange(change) {
      const at = new Date(change.at);
      await db.$transaction(async (tx) => {
        if (await tx.planEvent.findUnique({ where: { key: change.key } })) return;
        const row = planRow(change.state);
        await tx.plan.upsert({ where: { id: change.planId }, create: { id: change.planId, ...row }, update: row });
        await writeContent(tx, change.state);
        await tx.planEvent.create({
          data: {
            key: change.key,
            planId: change.planId,
            type: change.type,
            summary: change.summary,
            actorId: change.by?.actorId ?? null,
            at,
            data: (change.data ?? undefined) as object | undefined,
          },
        });
        if (change.decision && change.by) {
          await tx.planDecision.create({
            data: {
              planId: change.planId,
              ...change.decision,
              actorId: change.by.actorId,
              actorRole: change.by.actorRole,
              onBehalfOfId: change.by.onBehalfOf ?? null,
              decidedAt: at,
            },
          });
        }
        if (change.review) {
          const { record } = change.review;
          await tx.planReview.create({
            data: {
              planId: change.planId,
              number: change.review.number,
              kind: change.review.kind,
              outcome: 'outcome' in record ? record.outcome : record.decision,
              rationale: record.rationale,
              adultViews: record.adultViews,
              nextReviewDate: record.nextReviewDate ?? null,
              record: record as object,
              recordedById: record.by.actorId,
              recordedAt: at,
            },
          });
        }
        if (change.request) {
          const row = requestRow(change.request);
          await tx.planReviewRequest.upsert({ where: { id: change.request.id }, create: { id: change.request.id, planId: change.planId, ...row }, update: row });
        }
        if (change.disclosure) await tx.planDisclosure.create({ data: disclosureRow(change, change.disclosure) });
        await appendAudit(tx, {
          key: `plan:${change.key}`,
          at,
          actor: change.by ? { id: change.by.actorId, role: change.by.actorRole } : SYSTEM,
          action: `plan.${change.type}`,
          target: change.disclosure ? { type: 'plan-copy', id: change.disclosure.id } : { type: 'plan', id: change.planId },
          rationale: change.decision?.rationale ?? change.disclosure?.request.manager?.rationale,
          data: {
            planId: change.planId,
            status: change.state.status,
            decision: change.decision?.decision,
            copy: change.disclosure && { recipientKind: change.disclosure.request.recipient.kind, outcome: change.disclosure.decision.outcome },
          },
        });
      });
    },
  };
}
