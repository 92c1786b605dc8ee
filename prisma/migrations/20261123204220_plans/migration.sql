-- CreateTable
CREATE TABLE "Plan" (
    "id" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "leadPractitionerId" TEXT NOT NULL,
    "managerId" TEXT NOT NULL,
    "consentBasis" TEXT NOT NULL,
    "limitedToNecessary" BOOLEAN NOT NULL,
    "nextReviewDate" TEXT,
    "reviewNumber" INTEGER NOT NULL DEFAULT 0,
    "oneToOneReviewDate" TEXT,
    "content" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "liveAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "endingGround" TEXT,
    "riskOutcome" TEXT,
    "outcomesAchieved" JSONB,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Plan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanRisk" (
    "planId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "likelyImpact" TEXT NOT NULL,

    CONSTRAINT "PlanRisk_pkey" PRIMARY KEY ("planId","id")
);

-- CreateTable
CREATE TABLE "PlanMeasure" (
    "planId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "restrictive" BOOLEAN NOT NULL,
    "description" TEXT NOT NULL,
    "legalAdviceRef" TEXT,
    "oneToOne" JSONB,

    CONSTRAINT "PlanMeasure_pkey" PRIMARY KEY ("planId","id")
);

-- CreateTable
CREATE TABLE "PlanAction" (
    "planId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "ownerName" TEXT NOT NULL,
    "ownerAgency" TEXT,
    "dueDate" TEXT NOT NULL,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "PlanAction_pkey" PRIMARY KEY ("planId","id")
);

-- CreateTable
CREATE TABLE "PlanReview" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "rationale" TEXT NOT NULL,
    "adultViews" TEXT NOT NULL,
    "nextReviewDate" TEXT,
    "record" JSONB NOT NULL,
    "recordedById" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlanReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanReviewRequest" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "onBehalfOfAdult" BOOLEAN NOT NULL,
    "reasons" TEXT[],
    "evidence" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "decisionDueDate" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "decision" TEXT,
    "reviewDate" TEXT,
    "rationale" TEXT,
    "adultViews" TEXT,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),

    CONSTRAINT "PlanReviewRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanDecision" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "rationale" TEXT NOT NULL,
    "adultViews" TEXT,
    "actorId" TEXT NOT NULL,
    "actorRole" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlanDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanDisclosure" (
    "id" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "recipientKind" TEXT NOT NULL,
    "recipientName" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "omittedItemIds" TEXT[],
    "reasons" TEXT[],
    "rationale" TEXT,
    "safeguards" TEXT,
    "format" TEXT NOT NULL,
    "language" TEXT,
    "html" TEXT,
    "decidedById" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlanDisclosure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlanEvent" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "actorId" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "data" JSONB,

    CONSTRAINT "PlanEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Plan_team_status_nextReviewDate_idx" ON "Plan"("team", "status", "nextReviewDate");

-- CreateIndex
CREATE INDEX "PlanMeasure_restrictive_idx" ON "PlanMeasure"("restrictive");

-- CreateIndex
CREATE UNIQUE INDEX "PlanReview_planId_kind_number_key" ON "PlanReview"("planId", "kind", "number");

-- CreateIndex
CREATE INDEX "PlanReviewRequest_status_decisionDueDate_idx" ON "PlanReviewRequest"("status", "decisionDueDate");

-- CreateIndex
CREATE INDEX "PlanDecision_planId_decidedAt_idx" ON "PlanDecision"("planId", "decidedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PlanEvent_key_key" ON "PlanEvent"("key");

-- CreateIndex
CREATE INDEX "PlanEvent_planId_at_idx" ON "PlanEvent"("planId", "at");

-- AddForeignKey
ALTER TABLE "PlanRisk" ADD CONSTRAINT "PlanRisk_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanMeasure" ADD CONSTRAINT "PlanMeasure_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanAction" ADD CONSTRAINT "PlanAction_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanReview" ADD CONSTRAINT "PlanReview_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanReviewRequest" ADD CONSTRAINT "PlanReviewRequest_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanDecision" ADD CONSTRAINT "PlanDecision_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanDisclosure" ADD CONSTRAINT "PlanDisclosure_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlanEvent" ADD CONSTRAINT "PlanEvent_planId_fkey" FOREIGN KEY ("planId") REFERENCES "Plan"("id") ON DELETE CASCADE ON UPDATE CASCADE;

