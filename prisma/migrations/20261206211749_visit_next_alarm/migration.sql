-- AlterTable
ALTER TABLE "Visit" ADD COLUMN     "nextAlarmAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "NotificationDelivery_createdAt_idx" ON "NotificationDelivery"("createdAt");

-- CreateIndex
CREATE INDEX "Visit_nextAlarmAt_idx" ON "Visit"("nextAlarmAt");

