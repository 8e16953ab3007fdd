-- CreateTable
CREATE TABLE "Release" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "releaseVersion" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "unitId" TEXT,
    "deployedAt" TIMESTAMP(3),
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Release_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReleaseChange" (
    "releaseId" TEXT NOT NULL,
    "changeId" TEXT NOT NULL,

    CONSTRAINT "ReleaseChange_pkey" PRIMARY KEY ("releaseId","changeId")
);

-- CreateTable
CREATE TABLE "DslArtifact" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "actualSha256" TEXT,
    "status" TEXT NOT NULL,
    "sizeBytes" INTEGER,
    "error" TEXT,
    "deployedIn" TEXT NOT NULL DEFAULT '[]',
    "deployedAt" TIMESTAMP(3),
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verifiedAt" TIMESTAMP(3),

    CONSTRAINT "DslArtifact_pkey" PRIMARY KEY ("id")
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

