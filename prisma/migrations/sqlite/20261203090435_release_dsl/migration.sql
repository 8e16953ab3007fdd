-- CreateTable
CREATE TABLE "Release" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "releaseVersion" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "unitId" TEXT,
    "deployedAt" DATETIME,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ReleaseChange" (
    "releaseId" TEXT NOT NULL,
    "changeId" TEXT NOT NULL,

    PRIMARY KEY ("releaseId", "changeId")
);

-- CreateTable
CREATE TABLE "DslArtifact" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "actualSha256" TEXT,
    "status" TEXT NOT NULL,
    "sizeBytes" INTEGER,
    "error" TEXT,
    "deployedIn" TEXT NOT NULL DEFAULT '[]',
    "deployedAt" DATETIME,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verifiedAt" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "Release_number_key" ON "Release"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Release_workflowId_key" ON "Release"("workflowId");

-- CreateIndex
CREATE INDEX "Release_state_idx" ON "Release"("state");

-- CreateIndex
CREATE INDEX "Release_unitId_deployedAt_idx" ON "Release"("unitId", "deployedAt");

-- CreateIndex
CREATE INDEX "ReleaseChange_changeId_idx" ON "ReleaseChange"("changeId");

-- CreateIndex
CREATE INDEX "DslArtifact_status_idx" ON "DslArtifact"("status");

-- CreateIndex
CREATE UNIQUE INDEX "DslArtifact_name_version_key" ON "DslArtifact"("name", "version");

