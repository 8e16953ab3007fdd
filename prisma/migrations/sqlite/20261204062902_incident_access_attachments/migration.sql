-- CreateTable
CREATE TABLE "IncidentAccess" (
    "incidentId" TEXT NOT NULL,
    "group" TEXT NOT NULL,

    PRIMARY KEY ("incidentId", "group"),
    CONSTRAINT "IncidentAccess_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "recordType" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "visibility" TEXT NOT NULL,
    "via" TEXT NOT NULL DEFAULT 'api',
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- AlterTable (added at the end: no table rebuild on a large Incident table)
ALTER TABLE "Incident" ADD COLUMN "restricted" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Incident" ADD COLUMN "callerEmail" TEXT;

-- CreateIndex
CREATE INDEX "IncidentAccess_group_idx" ON "IncidentAccess"("group");

-- CreateIndex
CREATE INDEX "Attachment_recordId_createdAt_idx" ON "Attachment"("recordId", "createdAt");

