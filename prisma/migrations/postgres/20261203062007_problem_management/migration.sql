-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "knownErrorId" TEXT,
ADD COLUMN     "knownErrors" TEXT,
ADD COLUMN     "problemId" TEXT,
ADD COLUMN     "problemNumber" TEXT;

-- CreateTable
CREATE TABLE "Problem" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Problem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProblemIncident" (
    "problemId" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,

    CONSTRAINT "ProblemIncident_pkey" PRIMARY KEY ("problemId","incidentId")
);

-- CreateTable
CREATE TABLE "KnownError" (
    "id" TEXT NOT NULL,
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
    "validUntil" TIMESTAMP(3),
    "publishedAt" TIMESTAMP(3) NOT NULL,
    "retiredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KnownError_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KnownErrorTarget" (
    "knownErrorId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,

    CONSTRAINT "KnownErrorTarget_pkey" PRIMARY KEY ("knownErrorId","kind","key")
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


-- Known-error full-text search: a weighted tsvector kept by PostgreSQL itself, ranked with
-- ts_rank. Not in models.prisma (Prisma has no tsvector type); reads never select it.
ALTER TABLE "KnownError" ADD COLUMN "search" tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce("title", '')), 'A') || setweight(to_tsvector('english', coalesce("symptoms", '')), 'A') || setweight(to_tsvector('english', coalesce("workaround", '')), 'B') || setweight(to_tsvector('english', coalesce("rootCause", '')), 'C')) STORED;
CREATE INDEX "KnownError_search_idx" ON "KnownError" USING GIN ("search");
