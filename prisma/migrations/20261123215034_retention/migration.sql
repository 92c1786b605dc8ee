-- CreateTable
CREATE TABLE "RetentionReview" (
    "id" TEXT NOT NULL,
    "recordType" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "endedAt" TIMESTAMP(3) NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "listedAt" TIMESTAMP(3) NOT NULL,
    "listedByRun" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "rationale" TEXT,
    "retainUntil" TIMESTAMP(3),
    "decidedById" TEXT,
    "decidedByRole" TEXT,
    "decidedAt" TIMESTAMP(3),
    "disposedAt" TIMESTAMP(3),

    CONSTRAINT "RetentionReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RetentionRun" (
    "id" TEXT NOT NULL,
    "ranAt" TIMESTAMP(3) NOT NULL,
    "policy" JSONB NOT NULL,
    "listed" INTEGER NOT NULL,
    "disposed" INTEGER NOT NULL,

    CONSTRAINT "RetentionRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RetentionReview_status_idx" ON "RetentionReview"("status");

-- CreateIndex
CREATE UNIQUE INDEX "RetentionReview_recordType_recordId_key" ON "RetentionReview"("recordType", "recordId");

