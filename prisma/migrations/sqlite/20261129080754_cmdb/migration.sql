-- CreateTable
CREATE TABLE "CiRelationship" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sourceId" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CiVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ciId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "at" DATETIME NOT NULL,
    "actor" TEXT NOT NULL,
    "via" TEXT,
    "action" TEXT NOT NULL,
    "changes" TEXT NOT NULL DEFAULT '{}',
    "snapshot" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "DiscoverySnapshot" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "source" TEXT NOT NULL,
    "takenAt" DATETIME NOT NULL,
    "items" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CmdbVerification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workflowId" TEXT NOT NULL,
    "snapshotId" TEXT,
    "status" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "summary" TEXT NOT NULL DEFAULT '{}',
    "discrepancies" TEXT NOT NULL DEFAULT '[]'
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ConfigurationItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "class" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "environment" TEXT,
    "ownerGroup" TEXT,
    "attributes" TEXT NOT NULL DEFAULT '{}',
    "naturalKey" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "retiredAt" DATETIME,
    "purchaseDate" DATETIME,
    "cost" REAL,
    "currency" TEXT,
    "depreciationMethod" TEXT,
    "depreciationYears" INTEGER,
    "salvageValue" REAL,
    "location" TEXT,
    "supplier" TEXT,
    "checkedOutTo" TEXT,
    "checkedOutAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ConfigurationItem" ("attributes", "class", "createdAt", "environment", "id", "name", "number", "ownerGroup", "status", "updatedAt") SELECT "attributes", "class", "createdAt", "environment", "id", "name", "number", "ownerGroup", "status", "updatedAt" FROM "ConfigurationItem";
DROP TABLE "ConfigurationItem";
ALTER TABLE "new_ConfigurationItem" RENAME TO "ConfigurationItem";
CREATE UNIQUE INDEX "ConfigurationItem_number_key" ON "ConfigurationItem"("number");
CREATE UNIQUE INDEX "ConfigurationItem_naturalKey_key" ON "ConfigurationItem"("naturalKey");
CREATE INDEX "ConfigurationItem_class_status_idx" ON "ConfigurationItem"("class", "status");
CREATE UNIQUE INDEX "ConfigurationItem_class_name_key" ON "ConfigurationItem"("class", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "CiRelationship_targetId_idx" ON "CiRelationship"("targetId");

-- CreateIndex
CREATE UNIQUE INDEX "CiRelationship_sourceId_type_targetId_key" ON "CiRelationship"("sourceId", "type", "targetId");

-- CreateIndex
CREATE INDEX "CiVersion_ciId_at_idx" ON "CiVersion"("ciId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "CiVersion_ciId_version_key" ON "CiVersion"("ciId", "version");

