-- AlterTable
ALTER TABLE "Incident" ADD COLUMN "knownErrorId" TEXT;
ALTER TABLE "Incident" ADD COLUMN "knownErrors" TEXT;
ALTER TABLE "Incident" ADD COLUMN "problemId" TEXT;
ALTER TABLE "Incident" ADD COLUMN "problemNumber" TEXT;

-- CreateTable
CREATE TABLE "Problem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "serviceId" TEXT,
    "ciId" TEXT,
    "category" TEXT,
    "knownErrorId" TEXT,
    "resolutionCode" TEXT,
    "trendKey" TEXT,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ProblemIncident" (
    "problemId" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,

    PRIMARY KEY ("problemId", "incidentId")
);

-- CreateTable
CREATE TABLE "KnownError" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "problemId" TEXT NOT NULL,
    "problemNumber" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "symptoms" TEXT NOT NULL,
    "rootCause" TEXT NOT NULL,
    "workaround" TEXT NOT NULL,
    "category" TEXT,
    "ciIds" TEXT NOT NULL,
    "serviceIds" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "validUntil" DATETIME,
    "publishedAt" DATETIME NOT NULL,
    "retiredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "KnownErrorTarget" (
    "knownErrorId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,

    PRIMARY KEY ("knownErrorId", "kind", "key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Problem_number_key" ON "Problem"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Problem_workflowId_key" ON "Problem"("workflowId");

-- CreateIndex
CREATE INDEX "Problem_state_idx" ON "Problem"("state");

-- CreateIndex
CREATE INDEX "Problem_trendKey_idx" ON "Problem"("trendKey");

-- CreateIndex
CREATE INDEX "ProblemIncident_incidentId_idx" ON "ProblemIncident"("incidentId");

-- CreateIndex
CREATE UNIQUE INDEX "KnownError_number_key" ON "KnownError"("number");

-- CreateIndex
CREATE UNIQUE INDEX "KnownError_problemId_key" ON "KnownError"("problemId");

-- CreateIndex
CREATE INDEX "KnownError_status_idx" ON "KnownError"("status");

-- CreateIndex
CREATE INDEX "KnownErrorTarget_kind_key_idx" ON "KnownErrorTarget"("kind", "key");

-- CreateIndex
CREATE INDEX "Incident_problemId_idx" ON "Incident"("problemId");

-- CreateIndex
CREATE INDEX "Incident_knownErrorId_idx" ON "Incident"("knownErrorId");

-- CreateIndex
CREATE INDEX "Incident_openedAt_idx" ON "Incident"("openedAt");

-- CreateIndex
CREATE INDEX "Incident_ciId_openedAt_idx" ON "Incident"("ciId", "openedAt");


-- Known-error full-text search (FTS5, ranked with bm25): kept by the problem store in the
-- same transaction as the KnownError row. Not in models.prisma (Prisma has no FTS type).
-- The status is indexed here too (as a token), so the common search (active known errors by
-- words) ranks inside the FTS index alone: a join or an UNINDEXED filter reads every matching
-- row and measured 2-3x slower at p99 (README, performance).
CREATE VIRTUAL TABLE "KnownErrorSearch" USING fts5("knownErrorId" UNINDEXED, "status", "title", "symptoms", "workaround", "rootCause", tokenize = 'porter unicode61');
