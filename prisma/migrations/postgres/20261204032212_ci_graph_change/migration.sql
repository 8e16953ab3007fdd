-- CreateTable
CREATE TABLE "CiGraphChange" (
    "seq" INTEGER NOT NULL,
    "op" TEXT NOT NULL,
    "relId" TEXT,
    "sourceId" TEXT,
    "targetId" TEXT,
    "type" TEXT,
    "ciId" TEXT,
    "class" TEXT,
    "name" TEXT,
    "status" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "actor" TEXT NOT NULL,

    CONSTRAINT "CiGraphChange_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "CiGraphChange_sourceId_at_idx" ON "CiGraphChange"("sourceId", "at");

-- CreateIndex
CREATE INDEX "CiGraphChange_targetId_at_idx" ON "CiGraphChange"("targetId", "at");

-- CreateIndex
CREATE INDEX "CiGraphChange_at_idx" ON "CiGraphChange"("at");



-- Backfill: every relationship that exists now was added when it was created. (Relationships
-- removed before this migration are in their source CI's versions, not in this log.)
INSERT INTO "CiGraphChange" ("seq", "op", "relId", "sourceId", "targetId", "type", "at", "actor")
SELECT ROW_NUMBER() OVER (ORDER BY "createdAt", "id"), 'add', "id", "sourceId", "targetId", "type", "createdAt", "createdBy" FROM "CiRelationship";
INSERT INTO "Counter" ("name", "value") SELECT 'ci_graph', COUNT(*) FROM "CiRelationship" WHERE true
ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value";
