-- CreateTable
CREATE TABLE "RecordStart" (
    "workflowId" TEXT NOT NULL,
    "workflowType" TEXT NOT NULL,
    "recordType" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "start" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RecordStart_pkey" PRIMARY KEY ("workflowId")
);

-- CreateIndex
CREATE INDEX "RecordStart_createdAt_idx" ON "RecordStart"("createdAt");

