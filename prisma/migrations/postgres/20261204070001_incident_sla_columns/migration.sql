-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "resolutionDueAt" TIMESTAMP(3),
ADD COLUMN     "respondedAt" TIMESTAMP(3),
ADD COLUMN     "responseDueAt" TIMESTAMP(3),
ADD COLUMN     "slaId" TEXT,
ADD COLUMN     "slaPausedMs" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "responseBusinessMs" DOUBLE PRECISION,
ADD COLUMN     "resolutionBusinessMs" DOUBLE PRECISION;

-- CreateIndex
CREATE INDEX "Incident_resolutionDueAt_idx" ON "Incident"("resolutionDueAt");

-- CreateIndex
CREATE INDEX "Incident_responseDueAt_idx" ON "Incident"("responseDueAt");

