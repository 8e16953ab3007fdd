-- CreateTable
CREATE TABLE "AssignmentRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "order" INTEGER NOT NULL,
    "serviceId" TEXT,
    "ciClass" TEXT,
    "category" TEXT,
    "priority" TEXT,
    "group" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "AssignmentRule_order_idx" ON "AssignmentRule"("order");

