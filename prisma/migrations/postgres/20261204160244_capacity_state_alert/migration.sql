-- AlterTable
ALTER TABLE "CapacityState" DROP COLUMN "incidentId",
ADD COLUMN     "alertId" TEXT;

