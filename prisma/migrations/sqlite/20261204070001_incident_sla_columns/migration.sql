-- AlterTable (columns added at the end: no table rebuild on a large Incident table)
ALTER TABLE "Incident" ADD COLUMN "responseDueAt" DATETIME;
ALTER TABLE "Incident" ADD COLUMN "respondedAt" DATETIME;
ALTER TABLE "Incident" ADD COLUMN "resolutionDueAt" DATETIME;
ALTER TABLE "Incident" ADD COLUMN "slaId" TEXT;
ALTER TABLE "Incident" ADD COLUMN "slaPausedMs" REAL NOT NULL DEFAULT 0;
ALTER TABLE "Incident" ADD COLUMN "responseBusinessMs" REAL;
ALTER TABLE "Incident" ADD COLUMN "resolutionBusinessMs" REAL;

-- CreateIndex
CREATE INDEX "Incident_resolutionDueAt_idx" ON "Incident"("resolutionDueAt");

-- CreateIndex
CREATE INDEX "Incident_responseDueAt_idx" ON "Incident"("responseDueAt");
