-- AlterTable
ALTER TABLE "Incident" ADD COLUMN "slaVersion" INTEGER;

-- CreateTable
CREATE TABLE "SlaVersion" (
    "slaId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "calendar" TEXT NOT NULL,
    "targets" TEXT NOT NULL,
    "escalation" TEXT NOT NULL,
    "pauseOn" TEXT NOT NULL,
    "availabilityTarget" REAL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,

    PRIMARY KEY ("slaId", "version")
);

-- CreateTable
CREATE TABLE "IncidentClock" (
    "incidentId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "agreementId" TEXT NOT NULL,
    "agreementVersion" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "team" TEXT,
    "supplier" TEXT,
    "priority" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "stoppedAt" DATETIME,
    "dueAt" DATETIME,
    "responseDueAt" DATETIME,
    "respondedAt" DATETIME,
    "metAt" DATETIME,
    "breached" BOOLEAN NOT NULL DEFAULT false,
    "pausedMs" REAL NOT NULL DEFAULT 0,
    "businessMs" REAL,

    PRIMARY KEY ("incidentId", "seq")
);

-- CreateTable
CREATE TABLE "Outage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'unplanned',
    "incidentId" TEXT,
    "changeId" TEXT,
    "start" DATETIME NOT NULL,
    "end" DATETIME,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ReportSchedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "report" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "recipients" TEXT NOT NULL DEFAULT '[]',
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" DATETIME
);

-- CreateTable
CREATE TABLE "ReportRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "scheduleId" TEXT,
    "report" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "periodFrom" DATETIME NOT NULL,
    "periodTo" DATETIME NOT NULL,
    "result" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SlaSimulation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "slaId" TEXT NOT NULL,
    "changes" TEXT NOT NULL,
    "periodFrom" DATETIME NOT NULL,
    "periodTo" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "result" TEXT,
    "error" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME
);

-- AlterTable (columns added in place: a rebuild of Sla is not needed)
ALTER TABLE "Sla" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "Sla" ADD COLUMN "updatedAt" DATETIME;
ALTER TABLE "Sla" ADD COLUMN "updatedBy" TEXT;
ALTER TABLE "Sla" ADD COLUMN "availabilityTarget" REAL;
CREATE INDEX "Sla_team_idx" ON "Sla"("team");
CREATE INDEX "Sla_supplier_idx" ON "Sla"("supplier");

-- CreateIndex
CREATE INDEX "IncidentClock_kind_startedAt_idx" ON "IncidentClock"("kind", "startedAt");

-- CreateIndex
CREATE INDEX "IncidentClock_agreementId_idx" ON "IncidentClock"("agreementId");

-- CreateIndex
CREATE INDEX "IncidentClock_team_idx" ON "IncidentClock"("team");

-- CreateIndex
CREATE INDEX "IncidentClock_supplier_idx" ON "IncidentClock"("supplier");

-- CreateIndex
CREATE INDEX "IncidentClock_dueAt_idx" ON "IncidentClock"("dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "Outage_number_key" ON "Outage"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Outage_incidentId_key" ON "Outage"("incidentId");

-- CreateIndex
CREATE INDEX "Outage_serviceId_start_idx" ON "Outage"("serviceId", "start");

-- CreateIndex
CREATE UNIQUE INDEX "ReportSchedule_number_key" ON "ReportSchedule"("number");

-- CreateIndex
CREATE UNIQUE INDEX "ReportRun_number_key" ON "ReportRun"("number");

-- CreateIndex
CREATE UNIQUE INDEX "ReportRun_idempotencyKey_key" ON "ReportRun"("idempotencyKey");

-- CreateIndex
CREATE INDEX "ReportRun_scheduleId_periodFrom_idx" ON "ReportRun"("scheduleId", "periodFrom");

-- CreateIndex
CREATE UNIQUE INDEX "SlaSimulation_number_key" ON "SlaSimulation"("number");


-- Every existing agreement's terms become its version 1
INSERT INTO "SlaVersion" ("slaId", "version", "name", "calendar", "targets", "escalation", "pauseOn", "createdAt")
SELECT "id", 1, "name", "calendar", "targets", "escalation", "pauseOn", "createdAt" FROM "Sla";
UPDATE "Incident" SET "slaVersion" = 1 WHERE "slaId" IS NOT NULL;
