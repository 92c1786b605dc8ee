-- AlterTable
ALTER TABLE "PlanDecision" ADD COLUMN     "onBehalfOfId" TEXT;

-- CreateTable
CREATE TABLE "DeclinedSupport" (
    "id" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "leadPractitionerId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "declined" TEXT NOT NULL,
    "optionsExplained" TEXT NOT NULL,
    "implicationsExplained" TEXT NOT NULL,
    "coercionConsidered" BOOLEAN NOT NULL,
    "coercionNotes" TEXT NOT NULL,
    "adultViews" TEXT NOT NULL,
    "followUpEveryDays" INTEGER NOT NULL,
    "followUpCount" INTEGER NOT NULL,
    "followUpsSent" INTEGER NOT NULL,
    "nextFollowUpAt" TIMESTAMP(3),
    "convertedPlanId" TEXT,
    "conversionReason" TEXT,
    "closedRationale" TEXT,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeclinedSupport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeclinedSupportEvent" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "outcome" TEXT,
    "note" TEXT,
    "actorId" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeclinedSupportEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActionWithoutConsent" (
    "id" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "ground" TEXT NOT NULL,
    "rationale" TEXT NOT NULL,
    "decidedById" TEXT NOT NULL,
    "decidedByRole" TEXT NOT NULL,
    "onBehalfOfId" TEXT,
    "decidedAt" TIMESTAMP(3) NOT NULL,
    "adultTold" BOOLEAN NOT NULL,
    "adultToldAt" TIMESTAMP(3),
    "notToldReason" TEXT,
    "crimeAlleged" BOOLEAN NOT NULL,
    "supportToReport" TEXT,

    CONSTRAINT "ActionWithoutConsent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ManagerDeputy" (
    "id" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "managerId" TEXT NOT NULL,
    "managerEmail" TEXT NOT NULL,
    "deputyId" TEXT NOT NULL,
    "deputyEmail" TEXT NOT NULL,
    "from" TIMESTAMP(3) NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ManagerDeputy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeputyDelivery" (
    "idempotencyKey" TEXT NOT NULL,
    "coverId" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeputyDelivery_pkey" PRIMARY KEY ("idempotencyKey")
);

-- CreateTable
CREATE TABLE "PlanDisagreement" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "raisedById" TEXT NOT NULL,
    "raisedByRole" TEXT NOT NULL,
    "decisionRef" TEXT NOT NULL,
    "what" TEXT NOT NULL,
    "why" TEXT NOT NULL,
    "evidence" TEXT NOT NULL,
    "raisedAt" TIMESTAMP(3) NOT NULL,
    "responseDueDate" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "escalations" INTEGER NOT NULL,
    "finalDecision" TEXT,
    "rationale" TEXT,
    "decidedById" TEXT,
    "onBehalfOfId" TEXT,
    "decidedAt" TIMESTAMP(3),

    CONSTRAINT "PlanDisagreement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DeclinedSupport_team_status_idx" ON "DeclinedSupport"("team", "status");

-- CreateIndex
CREATE UNIQUE INDEX "DeclinedSupportEvent_key_key" ON "DeclinedSupportEvent"("key");

-- CreateIndex
CREATE INDEX "DeclinedSupportEvent_caseId_at_idx" ON "DeclinedSupportEvent"("caseId", "at");

-- CreateIndex
CREATE INDEX "ActionWithoutConsent_subjectType_subjectId_idx" ON "ActionWithoutConsent"("subjectType", "subjectId");

-- CreateIndex
CREATE INDEX "ManagerDeputy_managerEmail_from_until_idx" ON "ManagerDeputy"("managerEmail", "from", "until");

-- CreateIndex
CREATE INDEX "ManagerDeputy_deputyId_from_until_idx" ON "ManagerDeputy"("deputyId", "from", "until");

-- CreateIndex
CREATE INDEX "PlanDisagreement_team_status_idx" ON "PlanDisagreement"("team", "status");

-- CreateIndex
CREATE INDEX "PlanDisagreement_status_responseDueDate_idx" ON "PlanDisagreement"("status", "responseDueDate");

-- AddForeignKey
ALTER TABLE "DeclinedSupportEvent" ADD CONSTRAINT "DeclinedSupportEvent_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "DeclinedSupport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeputyDelivery" ADD CONSTRAINT "DeputyDelivery_coverId_fkey" FOREIGN KEY ("coverId") REFERENCES "ManagerDeputy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

