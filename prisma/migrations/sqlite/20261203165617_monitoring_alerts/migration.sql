-- CreateTable
CREATE TABLE "MonitoringAlert" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "dedupKey" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "node" TEXT NOT NULL,
    "check" TEXT NOT NULL,
    "ciId" TEXT,
    "state" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "lastMessage" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "ignored" INTEGER NOT NULL DEFAULT 0,
    "incidentId" TEXT,
    "incidentNumber" TEXT,
    "firstAt" DATETIME NOT NULL,
    "lastAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "MonitoringAlert_dedupKey_key" ON "MonitoringAlert"("dedupKey");

-- CreateIndex
CREATE INDEX "MonitoringAlert_state_id_idx" ON "MonitoringAlert"("state", "id");

