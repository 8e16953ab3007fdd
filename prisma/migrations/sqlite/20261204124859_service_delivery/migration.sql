-- AlterTable
ALTER TABLE "ConfigurationItem" ADD COLUMN "costCentre" TEXT;
ALTER TABLE "ConfigurationItem" ADD COLUMN "dataOwner" TEXT;
ALTER TABLE "ConfigurationItem" ADD COLUMN "securityClass" TEXT;

-- AlterTable
ALTER TABLE "Incident" ADD COLUMN "customerId" TEXT;
ALTER TABLE "Incident" ADD COLUMN "security" TEXT;

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN "timeSpent" INTEGER;

-- CreateTable
CREATE TABLE "MetricPoint" (
    "ciId" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "value" REAL NOT NULL,

    PRIMARY KEY ("ciId", "metric", "at")
);

-- CreateTable
CREATE TABLE "MetricRollup" (
    "ciId" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "bucket" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "count" INTEGER NOT NULL,
    "sum" REAL NOT NULL,
    "min" REAL NOT NULL,
    "max" REAL NOT NULL,
    "last" REAL NOT NULL,

    PRIMARY KEY ("ciId", "metric", "bucket", "at")
);

-- CreateTable
CREATE TABLE "CapacityThreshold" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "ciId" TEXT,
    "ciClass" TEXT,
    "metric" TEXT NOT NULL,
    "warning" REAL,
    "critical" REAL,
    "direction" TEXT NOT NULL DEFAULT 'above',
    "sustainSeconds" INTEGER NOT NULL DEFAULT 300,
    "limit" REAL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "deletedAt" DATETIME
);

-- CreateTable
CREATE TABLE "CapacityState" (
    "ciId" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "thresholdId" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "since" DATETIME NOT NULL,
    "lastAt" DATETIME NOT NULL,
    "lastValue" REAL NOT NULL,
    "incidentId" TEXT,

    PRIMARY KEY ("ciId", "metric")
);

-- CreateTable
CREATE TABLE "CapacityForecast" (
    "ciId" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "limit" REAL NOT NULL,
    "slopePerDay" REAL NOT NULL,
    "intercept" REAL NOT NULL,
    "lastValue" REAL NOT NULL,
    "points" INTEGER NOT NULL,
    "exhaustAt" DATETIME,
    "computedAt" DATETIME NOT NULL,
    "problemId" TEXT,
    "changeId" TEXT,

    PRIMARY KEY ("ciId", "metric")
);

-- CreateTable
CREATE TABLE "ContinuityPlan" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "rtoMinutes" INTEGER NOT NULL,
    "rpoMinutes" INTEGER NOT NULL,
    "steps" TEXT NOT NULL,
    "ownerGroup" TEXT NOT NULL,
    "testIntervalDays" INTEGER NOT NULL DEFAULT 182,
    "testCron" TEXT,
    "lastTestedAt" DATETIME,
    "lastTestResult" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "retiredAt" DATETIME
);

-- CreateTable
CREATE TABLE "ContinuityRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "planId" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "incidentId" TEXT,
    "problemId" TEXT,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "recoveryMs" REAL,
    "outcome" TEXT,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Budget" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "serviceId" TEXT,
    "costCentre" TEXT,
    "period" TEXT NOT NULL,
    "amount" REAL NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'EUR',
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LabourRate" (
    "role" TEXT NOT NULL PRIMARY KEY,
    "hourlyRate" REAL NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'EUR',
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Supplier" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ciId" TEXT,
    "contact" TEXT,
    "email" TEXT,
    "ownerGroup" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "retiredAt" DATETIME
);

-- CreateTable
CREATE TABLE "Contract" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "supplierId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "value" REAL NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'EUR',
    "startDate" DATETIME NOT NULL,
    "endDate" DATETIME NOT NULL,
    "noticeDays" INTEGER NOT NULL,
    "renewal" TEXT NOT NULL,
    "ownerGroup" TEXT NOT NULL,
    "owner" TEXT,
    "slaId" TEXT,
    "serviceId" TEXT,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "reviewCron" TEXT,
    "accountManager" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "retiredAt" DATETIME
);

-- CreateTable
CREATE TABLE "CustomerContact" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "customerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "userId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Subscription" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "customerId" TEXT NOT NULL,
    "serviceId" TEXT NOT NULL,
    "slaId" TEXT,
    "monthlyCharge" REAL,
    "since" DATETIME NOT NULL,
    "until" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Feedback" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "serviceId" TEXT,
    "title" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Survey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "incidentId" TEXT NOT NULL,
    "serviceId" TEXT,
    "team" TEXT,
    "customerId" TEXT,
    "recipient" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "sentAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "answeredAt" DATETIME,
    "score" INTEGER,
    "comment" TEXT
);

-- CreateTable
CREATE TABLE "ServiceReview" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "periodFrom" DATETIME NOT NULL,
    "periodTo" DATETIME NOT NULL,
    "agenda" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ReviewAction" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reviewId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "dueAt" DATETIME,
    "state" TEXT NOT NULL,
    "closedAt" DATETIME,
    "closedBy" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "AccessReview" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "ciId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AccessReviewSchedule" (
    "ciId" TEXT NOT NULL PRIMARY KEY,
    "cron" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "dueDays" INTEGER NOT NULL DEFAULT 14,
    "accounts" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "deletedAt" DATETIME
);

-- CreateTable
CREATE TABLE "SecurityPolicy" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "ownerGroup" TEXT NOT NULL,
    "reviewDue" DATETIME NOT NULL,
    "detail" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "MetricPoint_at_idx" ON "MetricPoint"("at");

-- CreateIndex
CREATE INDEX "MetricRollup_bucket_at_idx" ON "MetricRollup"("bucket", "at");

-- CreateIndex
CREATE UNIQUE INDEX "CapacityThreshold_number_key" ON "CapacityThreshold"("number");

-- CreateIndex
CREATE INDEX "CapacityThreshold_metric_idx" ON "CapacityThreshold"("metric");

-- CreateIndex
CREATE INDEX "CapacityThreshold_ciId_idx" ON "CapacityThreshold"("ciId");

-- CreateIndex
CREATE INDEX "CapacityThreshold_ciClass_idx" ON "CapacityThreshold"("ciClass");

-- CreateIndex
CREATE INDEX "CapacityState_level_idx" ON "CapacityState"("level");

-- CreateIndex
CREATE INDEX "CapacityForecast_exhaustAt_idx" ON "CapacityForecast"("exhaustAt");

-- CreateIndex
CREATE UNIQUE INDEX "ContinuityPlan_number_key" ON "ContinuityPlan"("number");

-- CreateIndex
CREATE INDEX "ContinuityPlan_serviceId_idx" ON "ContinuityPlan"("serviceId");

-- CreateIndex
CREATE UNIQUE INDEX "ContinuityRun_number_key" ON "ContinuityRun"("number");

-- CreateIndex
CREATE UNIQUE INDEX "ContinuityRun_workflowId_key" ON "ContinuityRun"("workflowId");

-- CreateIndex
CREATE INDEX "ContinuityRun_planId_startedAt_idx" ON "ContinuityRun"("planId", "startedAt");

-- CreateIndex
CREATE INDEX "ContinuityRun_state_idx" ON "ContinuityRun"("state");

-- CreateIndex
CREATE INDEX "Budget_period_idx" ON "Budget"("period");

-- CreateIndex
CREATE UNIQUE INDEX "Supplier_number_key" ON "Supplier"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Supplier_name_key" ON "Supplier"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Supplier_ciId_key" ON "Supplier"("ciId");

-- CreateIndex
CREATE UNIQUE INDEX "Contract_number_key" ON "Contract"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Contract_workflowId_key" ON "Contract"("workflowId");

-- CreateIndex
CREATE INDEX "Contract_supplierId_idx" ON "Contract"("supplierId");

-- CreateIndex
CREATE INDEX "Contract_state_endDate_idx" ON "Contract"("state", "endDate");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_number_key" ON "Customer"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_name_key" ON "Customer"("name");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerContact_userId_key" ON "CustomerContact"("userId");

-- CreateIndex
CREATE INDEX "CustomerContact_customerId_idx" ON "CustomerContact"("customerId");

-- CreateIndex
CREATE INDEX "Subscription_serviceId_idx" ON "Subscription"("serviceId");

-- CreateIndex
CREATE UNIQUE INDEX "Subscription_customerId_serviceId_key" ON "Subscription"("customerId", "serviceId");

-- CreateIndex
CREATE UNIQUE INDEX "Feedback_number_key" ON "Feedback"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Feedback_workflowId_key" ON "Feedback"("workflowId");

-- CreateIndex
CREATE INDEX "Feedback_customerId_createdAt_idx" ON "Feedback"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "Feedback_state_idx" ON "Feedback"("state");

-- CreateIndex
CREATE UNIQUE INDEX "Survey_incidentId_key" ON "Survey"("incidentId");

-- CreateIndex
CREATE UNIQUE INDEX "Survey_tokenHash_key" ON "Survey"("tokenHash");

-- CreateIndex
CREATE INDEX "Survey_answeredAt_idx" ON "Survey"("answeredAt");

-- CreateIndex
CREATE INDEX "Survey_serviceId_idx" ON "Survey"("serviceId");

-- CreateIndex
CREATE INDEX "Survey_customerId_idx" ON "Survey"("customerId");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceReview_number_key" ON "ServiceReview"("number");

-- CreateIndex
CREATE UNIQUE INDEX "ServiceReview_idempotencyKey_key" ON "ServiceReview"("idempotencyKey");

-- CreateIndex
CREATE INDEX "ServiceReview_customerId_periodFrom_idx" ON "ServiceReview"("customerId", "periodFrom");

-- CreateIndex
CREATE INDEX "ReviewAction_reviewId_idx" ON "ReviewAction"("reviewId");

-- CreateIndex
CREATE INDEX "ReviewAction_state_dueAt_idx" ON "ReviewAction"("state", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "AccessReview_number_key" ON "AccessReview"("number");

-- CreateIndex
CREATE UNIQUE INDEX "AccessReview_workflowId_key" ON "AccessReview"("workflowId");

-- CreateIndex
CREATE INDEX "AccessReview_ciId_idx" ON "AccessReview"("ciId");

-- CreateIndex
CREATE INDEX "AccessReview_state_dueAt_idx" ON "AccessReview"("state", "dueAt");

-- CreateIndex
CREATE UNIQUE INDEX "SecurityPolicy_number_key" ON "SecurityPolicy"("number");

-- CreateIndex
CREATE UNIQUE INDEX "SecurityPolicy_workflowId_key" ON "SecurityPolicy"("workflowId");

-- CreateIndex
CREATE INDEX "SecurityPolicy_state_reviewDue_idx" ON "SecurityPolicy"("state", "reviewDue");

-- CreateIndex
CREATE INDEX "Incident_customerId_idx" ON "Incident"("customerId");

