-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "defaultManagerId" TEXT,
ADD COLUMN     "onCallEmail" TEXT,
ADD COLUMN     "onCallName" TEXT,
ADD COLUMN     "timeZone" TEXT NOT NULL DEFAULT 'Europe/London';

-- AddForeignKey
ALTER TABLE "Team" ADD CONSTRAINT "Team_defaultManagerId_fkey" FOREIGN KEY ("defaultManagerId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

