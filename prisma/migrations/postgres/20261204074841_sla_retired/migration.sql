-- AlterTable
ALTER TABLE "Sla" ADD COLUMN     "retiredAt" TIMESTAMP(3),
ADD COLUMN     "retiredBy" TEXT;

