-- Data: e-mail addresses become unique and lower-cased (a duplicate keeps its oldest holder).
UPDATE "User" SET "email" = lower(trim("email")) WHERE "email" IS NOT NULL;
UPDATE "User" SET "email" = NULL WHERE "email" = '';
UPDATE "User" SET "email" = NULL WHERE "email" IS NOT NULL AND "id" NOT IN (SELECT MIN("id") FROM "User" WHERE "email" IS NOT NULL GROUP BY "email");

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupMember" (
    "groupId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'api',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupMember_pkey" PRIMARY KEY ("groupId","userId")
);

-- Data: memberships move from the users' JSON group lists to GroupMember rows; a group name
-- without a Group row becomes a group (tier 0: not a support tier). The SHA-256 token column is
-- dropped: tokens are now ApiToken rows (the dev stack re-seeds its dev-<role> tokens at start).
INSERT INTO "Group" ("id", "name", "tier") SELECT DISTINCT 'grp-' || j.name, j.name, 0 FROM "User" u CROSS JOIN LATERAL json_array_elements_text(u."groups"::json) AS j(name) WHERE NOT EXISTS (SELECT 1 FROM "Group" g WHERE g."name" = j.name);
INSERT INTO "GroupMember" ("groupId", "userId") SELECT DISTINCT g."id", u."id" FROM "User" u CROSS JOIN LATERAL json_array_elements_text(u."groups"::json) AS j(name) JOIN "Group" g ON g."name" = j.name;

-- DropIndex
DROP INDEX "User_tokenHash_key";

-- AlterTable
ALTER TABLE "User" DROP COLUMN "groups",
DROP COLUMN "tokenHash",
ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "deactivatedAt" TIMESTAMP(3),
ADD COLUMN     "externalId" TEXT,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "Group" ADD COLUMN     "description" TEXT,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_prefix_key" ON "ApiToken"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_hash_key" ON "ApiToken"("hash");

-- CreateIndex
CREATE INDEX "ApiToken_userId_idx" ON "ApiToken"("userId");

-- CreateIndex
CREATE INDEX "GroupMember_userId_idx" ON "GroupMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "User_externalId_key" ON "User"("externalId");

