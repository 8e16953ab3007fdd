-- AlterTable
ALTER TABLE "ConfigurationItem" ADD COLUMN     "checkedOutAt" TIMESTAMP(3),
ADD COLUMN     "checkedOutTo" TEXT,
ADD COLUMN     "cost" DOUBLE PRECISION,
ADD COLUMN     "currency" TEXT,
ADD COLUMN     "depreciationMethod" TEXT,
ADD COLUMN     "depreciationYears" INTEGER,
ADD COLUMN     "location" TEXT,
ADD COLUMN     "naturalKey" TEXT,
ADD COLUMN     "purchaseDate" TIMESTAMP(3),
ADD COLUMN     "retiredAt" TIMESTAMP(3),
ADD COLUMN     "salvageValue" DOUBLE PRECISION,
ADD COLUMN     "supplier" TEXT,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "CiRelationship" (
    "id" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CiRelationship_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CiVersion" (
    "id" TEXT NOT NULL,
    "ciId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "via" TEXT,
    "action" TEXT NOT NULL,
    "changes" TEXT NOT NULL DEFAULT '{}',
    "snapshot" TEXT NOT NULL,

    CONSTRAINT "CiVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DiscoverySnapshot" (
    "id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL,
    "items" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DiscoverySnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CmdbVerification" (
    "id" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "snapshotId" TEXT,
    "status" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),
    "summary" TEXT NOT NULL DEFAULT '{}',
    "discrepancies" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "CmdbVerification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CiRelationship_targetId_idx" ON "CiRelationship"("targetId");

-- CreateIndex
CREATE UNIQUE INDEX "CiRelationship_sourceId_type_targetId_key" ON "CiRelationship"("sourceId", "type", "targetId");

-- CreateIndex
CREATE INDEX "CiVersion_ciId_at_idx" ON "CiVersion"("ciId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "CiVersion_ciId_version_key" ON "CiVersion"("ciId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigurationItem_naturalKey_key" ON "ConfigurationItem"("naturalKey");

