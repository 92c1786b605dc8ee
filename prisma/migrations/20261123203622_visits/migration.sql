-- CreateTable
CREATE TABLE "Visit" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "team" TEXT NOT NULL,
    "managerId" TEXT NOT NULL,
    "buddyId" TEXT,
    "kind" TEXT NOT NULL,
    "riskLevel" TEXT NOT NULL,
    "clientRef" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "plannedStartAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "eta" TIMESTAMP(3) NOT NULL,
    "nextDueAt" TIMESTAMP(3),
    "lastCheckInAt" TIMESTAMP(3),
    "escalationLevel" INTEGER NOT NULL DEFAULT 0,
    "incidentReason" TEXT,
    "incidentOwner" TEXT,
    "riskReviewRequested" BOOLEAN NOT NULL DEFAULT false,
    "closedAt" TIMESTAMP(3),
    "lastSeq" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Visit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitEvent" (
    "id" TEXT NOT NULL,
    "visitId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorRole" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "reason" TEXT,
    "data" JSONB,
    "visibleToWorker" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VisitEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AckToken" (
    "id" TEXT NOT NULL,
    "visitId" TEXT NOT NULL,
    "recipientRole" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AckToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Visit_workflowId_key" ON "Visit"("workflowId");

-- CreateIndex
CREATE INDEX "Visit_team_status_idx" ON "Visit"("team", "status");

-- CreateIndex
CREATE INDEX "Visit_workerId_status_idx" ON "Visit"("workerId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "VisitEvent_visitId_seq_key" ON "VisitEvent"("visitId", "seq");

-- CreateIndex
CREATE INDEX "AckToken_visitId_idx" ON "AckToken"("visitId");

-- AddForeignKey
ALTER TABLE "VisitEvent" ADD CONSTRAINT "VisitEvent_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "Visit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AckToken" ADD CONSTRAINT "AckToken_visitId_fkey" FOREIGN KEY ("visitId") REFERENCES "Visit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

