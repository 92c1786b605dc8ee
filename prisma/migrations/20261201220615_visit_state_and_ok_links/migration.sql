-- AlterTable
ALTER TABLE "Visit" ADD COLUMN     "state" JSONB;

-- AlterTable
ALTER TABLE "AckToken" ADD COLUMN     "purpose" TEXT NOT NULL DEFAULT 'take-charge';

