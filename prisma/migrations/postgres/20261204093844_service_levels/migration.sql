-- AlterTable
ALTER TABLE "Sla" ADD COLUMN     "availabilityTarget" DOUBLE PRECISION,
ADD COLUMN     "updatedAt" TIMESTAMP(3),
ADD COLUMN     "updatedBy" TEXT,
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "slaVersion" INTEGER;

-- CreateTable
CREATE TABLE "SlaVersion" (
    "slaId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "calendar" TEXT NOT NULL,
    "targets" TEXT NOT NULL,
    "escalation" TEXT NOT NULL,
    "pauseOn" TEXT NOT NULL,
    "availabilityTarget" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,

    CONSTRAINT "SlaVersion_pkey" PRIMARY KEY ("slaId","version")
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
    "startedAt" TIMESTAMP(3) NOT NULL,
    "stoppedAt" TIMESTAMP(3),
    "dueAt" TIMESTAMP(3),
    "responseDueAt" TIMESTAMP(3),
    "respondedAt" TIMESTAMP(3),
    "metAt" TIMESTAMP(3),
    "breached" BOOLEAN NOT NULL DEFAULT false,
    "pausedMs" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "businessMs" DOUBLE PRECISION,

    CONSTRAINT "IncidentClock_pkey" PRIMARY KEY ("incidentId","seq")
);

-- CreateTable
CREATE TABLE "Outage" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'unplanned',
    "incidentId" TEXT,
    "changeId" TEXT,
    "start" TIMESTAMP(3) NOT NULL,
    "end" TIMESTAMP(3),
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Outage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportSchedule" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "report" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "recipients" TEXT NOT NULL DEFAULT '[]',
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "ReportSchedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportRun" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "scheduleId" TEXT,
    "report" TEXT NOT NULL,
    "params" TEXT NOT NULL,
    "periodFrom" TIMESTAMP(3) NOT NULL,
    "periodTo" TIMESTAMP(3) NOT NULL,
    "result" TEXT NOT NULL,
    "checksum" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReportRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlaSimulation" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "slaId" TEXT NOT NULL,
    "changes" TEXT NOT NULL,
    "periodFrom" TIMESTAMP(3) NOT NULL,
    "periodTo" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "result" TEXT,
    "error" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "SlaSimulation_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "Sla_team_idx" ON "Sla"("team");

-- CreateIndex
CREATE INDEX "Sla_supplier_idx" ON "Sla"("supplier");


-- Every existing agreement's terms become its version 1
INSERT INTO "SlaVersion" ("slaId", "version", "name", "calendar", "targets", "escalation", "pauseOn", "createdAt")
SELECT "id", 1, "name", "calendar", "targets", "escalation", "pauseOn", "createdAt" FROM "Sla";
UPDATE "Incident" SET "slaVersion" = 1 WHERE "slaId" IS NOT NULL;
