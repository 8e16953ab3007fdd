-- CreateTable
CREATE TABLE "Change" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "state" TEXT NOT NULL,
    "riskLevel" TEXT,
    "riskScore" INTEGER,
    "plannedStart" DATETIME NOT NULL,
    "plannedEnd" DATETIME NOT NULL,
    "problemId" TEXT,
    "templateId" TEXT,
    "outcome" TEXT,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ChangeCi" (
    "changeId" TEXT NOT NULL,
    "ciId" TEXT NOT NULL,

    PRIMARY KEY ("changeId", "ciId")
);

-- CreateTable
CREATE TABLE "ChangeTemplate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "implementationPlan" TEXT NOT NULL,
    "backoutPlan" TEXT NOT NULL,
    "ciClasses" TEXT NOT NULL DEFAULT '[]',
    "maxDuration" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ChangeFreeze" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "start" DATETIME NOT NULL,
    "end" DATETIME NOT NULL,
    "reason" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "Change_number_key" ON "Change"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Change_workflowId_key" ON "Change"("workflowId");

-- CreateIndex
CREATE INDEX "Change_state_type_idx" ON "Change"("state", "type");

-- CreateIndex
CREATE INDEX "Change_plannedStart_idx" ON "Change"("plannedStart");

-- CreateIndex
CREATE INDEX "Change_problemId_idx" ON "Change"("problemId");

-- CreateIndex
CREATE INDEX "Change_outcome_updatedAt_idx" ON "Change"("outcome", "updatedAt");

-- CreateIndex
CREATE INDEX "ChangeCi_ciId_idx" ON "ChangeCi"("ciId");

-- CreateIndex
CREATE UNIQUE INDEX "ChangeTemplate_name_key" ON "ChangeTemplate"("name");

-- CreateIndex
CREATE INDEX "ChangeFreeze_start_end_idx" ON "ChangeFreeze"("start", "end");

