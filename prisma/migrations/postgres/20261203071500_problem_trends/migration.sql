-- CreateTable
CREATE TABLE "ProblemTrendClaim" (
    "trendKey" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "problemId" TEXT,
    "problemNumber" TEXT,
    "claimedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProblemTrendClaim_pkey" PRIMARY KEY ("trendKey")
);

-- CreateIndex
CREATE INDEX "Incident_serviceId_openedAt_idx" ON "Incident"("serviceId", "openedAt");

