-- CreateTable
CREATE TABLE "RecordStart" (
    "workflowId" TEXT NOT NULL PRIMARY KEY,
    "workflowType" TEXT NOT NULL,
    "recordType" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "start" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "RecordStart_createdAt_idx" ON "RecordStart"("createdAt");

