-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CapacityState" (
    "ciId" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "thresholdId" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "since" DATETIME NOT NULL,
    "lastAt" DATETIME NOT NULL,
    "lastValue" REAL NOT NULL,
    "alertId" TEXT,

    PRIMARY KEY ("ciId", "metric")
);
INSERT INTO "new_CapacityState" ("ciId", "lastAt", "lastValue", "level", "metric", "since", "thresholdId") SELECT "ciId", "lastAt", "lastValue", "level", "metric", "since", "thresholdId" FROM "CapacityState";
DROP TABLE "CapacityState";
ALTER TABLE "new_CapacityState" RENAME TO "CapacityState";
CREATE INDEX "CapacityState_level_idx" ON "CapacityState"("level");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

