-- AlterTable
ALTER TABLE "IdempotencyKey" ADD COLUMN     "leaseUntil" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "reservation" TEXT;

