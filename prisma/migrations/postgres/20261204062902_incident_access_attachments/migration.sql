-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "callerEmail" TEXT,
ADD COLUMN     "restricted" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "IncidentAccess" (
    "incidentId" TEXT NOT NULL,
    "group" TEXT NOT NULL,

    CONSTRAINT "IncidentAccess_pkey" PRIMARY KEY ("incidentId","group")
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" TEXT NOT NULL,
    "recordType" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "visibility" TEXT NOT NULL,
    "via" TEXT NOT NULL DEFAULT 'api',
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Attachment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "IncidentAccess_group_idx" ON "IncidentAccess"("group");

-- CreateIndex
CREATE INDEX "Attachment_recordId_createdAt_idx" ON "Attachment"("recordId", "createdAt");

-- AddForeignKey
ALTER TABLE "IncidentAccess" ADD CONSTRAINT "IncidentAccess_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

