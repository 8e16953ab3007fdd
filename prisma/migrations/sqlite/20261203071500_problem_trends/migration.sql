-- CreateTable
CREATE TABLE "ProblemTrendClaim" (
    "trendKey" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "problemId" TEXT,
    "problemNumber" TEXT,
    "claimedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Incident_serviceId_openedAt_idx" ON "Incident"("serviceId", "openedAt");

