-- CreateTable
CREATE TABLE "AssignmentRule" (
    "id" TEXT NOT NULL,
    "order" INTEGER NOT NULL,
    "serviceId" TEXT,
    "ciClass" TEXT,
    "category" TEXT,
    "priority" TEXT,
    "group" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AssignmentRule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AssignmentRule_order_idx" ON "AssignmentRule"("order");

