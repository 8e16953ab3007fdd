-- AlterTable
ALTER TABLE "Sla" ADD COLUMN "retiredAt" DATETIME;
ALTER TABLE "Sla" ADD COLUMN "retiredBy" TEXT;

